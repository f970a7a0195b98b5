#include "valley/methods/sgd.h"

#include "valley/objective/batch_mlp_objective.h"

namespace valley {

namespace {

BaseOptimizerSettings plain(double lr) {
  BaseOptimizerSettings settings;
  settings.lr = lr;
  return settings;
}

}  // namespace

Sgd::Sgd(double lr, Device* device) : Sgd(plain(lr), device) {}

Sgd::Sgd(BaseOptimizerSettings settings, Device* device) : optimizer_(std::move(settings)), device_(device) {}

UpdateStats Sgd::step(Vec& x, Objective& f, uint64_t k) {
  grad_.resize(x.size());
  if (device_ != nullptr) {
    const MlpBatch batch = device_batch_of(f, "sgd");
    f.add_counts({0, 1});
    if (optimizer_.plain()) {
      // x_{k+1} = x_k − lr ∇f(x_k), both on the device
      device_->gradient_step(x, batch, static_cast<float>(optimizer_.settings().lr));
      return {};
    }
    device_->loss_and_gradient(x, batch, grad_);
  } else {
    f.gradient(x, grad_);
  }
  optimizer_.step(x, grad_, k);  // x_{k+1} = x_k − lr ∇f(x_k) (+ momentum, decay)
  return {};
}

nlohmann::json Sgd::settings() const {
  nlohmann::json out;
  optimizer_.add_settings(out);
  return out;
}

std::unique_ptr<Method> make_sgd(const MethodConfig& config, const Backend&, Device* device) {
  return std::make_unique<Sgd>(base_optimizer_settings(config), device);
}

}  // namespace valley
