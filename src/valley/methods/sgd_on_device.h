// SGD (methods/sgd.h) with its update run on a Device (backends/device.h):
// x_{k+1} = x_k − lr ∇f(x_k), the gradient and the step one kernel sequence
// on the device. Plain SGD only (no momentum, weight decay or lr drops).
#pragma once

#include "valley/backends/device.h"
#include "valley/methods/method.h"

namespace valley {

class SgdOnDevice final : public Method {
 public:
  SgdOnDevice(double lr, Device& device);

  std::string name() const override { return "sgd"; }
  UpdateStats step(Vec& x, Objective& f, uint64_t k) override;
  nlohmann::json settings() const override;

 private:
  double lr_;
  Device& device_;
};

}  // namespace valley
