// Stochastic gradient descent on the minibatch loss (the paper's baseline):
// x_{k+1} = x_k − lr ∇f(x_k).
#pragma once

#include "valley/methods/method.h"

namespace valley {

class Sgd final : public Method {
 public:
  explicit Sgd(double lr);

  std::string name() const override { return "sgd"; }
  UpdateStats step(Vec& x, Objective& f, uint64_t k) override;
  nlohmann::json settings() const override;

 private:
  float lr_;
  Vec grad_;
};

}  // namespace valley
