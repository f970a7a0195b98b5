// Stochastic gradient descent on the minibatch loss (the paper's baseline):
// x_{k+1} = x_k − lr ∇f(x_k), optionally with weight decay, momentum and a
// learning-rate schedule (methods/base_optimizer.h).
#pragma once

#include "valley/methods/base_optimizer.h"
#include "valley/methods/method.h"

namespace valley {

class Sgd final : public Method {
 public:
  explicit Sgd(double lr);
  explicit Sgd(BaseOptimizerSettings settings);

  std::string name() const override { return "sgd"; }
  UpdateStats step(Vec& x, Objective& f, uint64_t k) override;
  nlohmann::json settings() const override;
  std::vector<float> state() const override { return optimizer_.state(); }
  void restore_state(std::span<const float> state) override {
    optimizer_.restore_state(state, "sgd");
  }

 private:
  BaseOptimizer optimizer_;
  Vec grad_;
};

}  // namespace valley
