// Stochastic gradient descent on the minibatch loss (the paper's baseline):
// x_{k+1} = x_k − lr ∇f(x_k), optionally with weight decay, momentum and a
// learning-rate schedule (methods/base_optimizer.h).
//
// On a device (backends/device.h) the gradient is the device's; plain SGD
// takes its step there too (x_{k+1} = x_k − lr ∇f(x_k), one kernel
// sequence), while momentum, decay and schedules take theirs here, from the
// device's gradient, with the CPU's arithmetic.
#pragma once

#include "valley/backends/device.h"
#include "valley/methods/base_optimizer.h"
#include "valley/methods/method.h"
#include "valley/methods/method_table.h"

namespace valley {

class Sgd final : public Method {
 public:
  explicit Sgd(double lr, Device* device = nullptr);
  explicit Sgd(BaseOptimizerSettings settings, Device* device = nullptr);

  std::string name() const override { return std::string(method_name::kSgd); }
  UpdateStats step(Vec& x, Objective& f, uint64_t k) override;
  nlohmann::json settings() const override;
  std::vector<float> state() const override { return optimizer_.state(); }
  void restore_state(std::span<const float> state) override {
    optimizer_.restore_state(state, "sgd");
  }

 private:
  BaseOptimizer optimizer_;
  Device* device_;
  Vec grad_;
};

// The factory of the method table's row (methods/method_table.h).
std::unique_ptr<Method> make_sgd(const MethodConfig& config, const Backend& backend, Device* device);

}  // namespace valley
