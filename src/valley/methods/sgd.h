// Stochastic gradient descent on the minibatch loss (the paper's baseline):
// x_{k+1} = x_k − lr ∇f(x_k), optionally with weight decay, momentum and a
// learning-rate schedule (methods/base_optimizer.h).
//
// ∇f is the method's heavy part, a GradientWork: on the CPU the
// objective's, on a device (backends/device.h) the device's
// (methods/on_device.cpp), where plain SGD takes its step too
// (x_{k+1} = x_k − lr ∇f(x_k), one kernel sequence), while momentum, decay
// and schedules take theirs here, from the device's gradient, with the
// CPU's arithmetic.
#pragma once

#include <memory>

#include "valley/backends/device.h"
#include "valley/methods/base_optimizer.h"
#include "valley/methods/method.h"
#include "valley/methods/method_table.h"

namespace valley {

// ∇f(x), and SGD's whole step where it runs in one go.
class GradientWork {
 public:
  virtual ~GradientWork() = default;
  // ∇f(x) into grad.
  virtual void gradient(ConstVecRef x, Objective& f, VecRef grad) = 0;
  // x ← x − lr ∇f(x) in one sequence, where that is cheaper than gradient()
  // and a step here; false (and x untouched) where it is not.
  virtual bool gradient_step(VecRef x, Objective& f, float lr) = 0;
};

// On the CPU (sgd.cpp).
std::unique_ptr<GradientWork> cpu_gradient_work();
// On `device`, or on the CPU without one (methods/on_device.cpp).
std::unique_ptr<GradientWork> make_gradient_work(Device* device);

class Sgd final : public Method {
 public:
  explicit Sgd(double lr, Device* device = nullptr);
  explicit Sgd(BaseOptimizerSettings settings, Device* device = nullptr);

  std::string name() const override { return std::string(method_name::kSgd); }
  UpdateStats step(Vec& x, Objective& f, uint64_t k) override;
  nlohmann::json settings() const override;
  std::vector<float> state() const override { return optimizer_.state(); }
  void restore_state(std::span<const float> state) override { optimizer_.restore_state(state, "sgd"); }

 private:
  BaseOptimizer optimizer_;
  std::unique_ptr<GradientWork> work_;
  Vec grad_;
};

// The factory of the method table's row (methods/method_table.h).
std::unique_ptr<Method> make_sgd(const MethodConfig& config, const Backend& backend, Device* device);

}  // namespace valley
