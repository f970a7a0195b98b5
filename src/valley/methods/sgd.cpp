#include "valley/methods/sgd.h"

namespace valley {

namespace {

BaseOptimizerSettings plain(double lr) {
  BaseOptimizerSettings settings;
  settings.lr = lr;
  return settings;
}

}  // namespace

Sgd::Sgd(double lr) : Sgd(plain(lr)) {}

Sgd::Sgd(BaseOptimizerSettings settings) : optimizer_(std::move(settings)) {}

UpdateStats Sgd::step(Vec& x, Objective& f, uint64_t k) {
  grad_.resize(x.size());
  f.gradient(x, grad_);
  optimizer_.step(x, grad_, k);  // x_{k+1} = x_k − lr ∇f(x_k) (+ momentum, decay)
  return {};
}

nlohmann::json Sgd::settings() const {
  nlohmann::json out;
  optimizer_.add_settings(out);
  return out;
}

}  // namespace valley
