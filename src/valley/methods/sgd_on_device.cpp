#include "valley/methods/sgd_on_device.h"

#include "valley/objective/batch_mlp_objective.h"

namespace valley {

SgdOnDevice::SgdOnDevice(double lr, Device& device) : lr_(lr), device_(device) {}

UpdateStats SgdOnDevice::step(Vec& x, Objective& f, uint64_t /*k*/) {
  const MlpBatch batch = device_batch_of(f, "sgd");
  f.add_counts({0, 1});
  device_.gradient_step(x, batch, static_cast<float>(lr_));  // x_{k+1} = x_k − lr ∇f(x_k)
  return {};
}

nlohmann::json SgdOnDevice::settings() const { return {{"lr", static_cast<float>(lr_)}}; }

}  // namespace valley
