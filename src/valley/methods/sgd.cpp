#include "valley/methods/sgd.h"

namespace valley {

Sgd::Sgd(double lr) : lr_(static_cast<float>(lr)) {}

UpdateStats Sgd::step(Vec& x, Objective& f, uint64_t /*k*/) {
  grad_.resize(x.size());
  f.gradient(x, grad_);
  x -= lr_ * grad_;  // x_{k+1} = x_k − lr ∇f(x_k)
  return {};
}

nlohmann::json Sgd::settings() const { return {{"lr", lr_}}; }

}  // namespace valley
