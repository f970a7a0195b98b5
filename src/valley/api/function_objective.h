// Bring your own objective: f and ∇f as callbacks, seen by every method and
// estimator exactly like the network's loss (objective/objective.h). The
// local-entropy methods then sample q_{x,τ}(x') ∝ exp(−f(x') − |x − x'|²/(2τ))
// (eq. 6), so f plays the role of a negative log-density at temperature 1: a
// Bayesian inverse problem's negative log-posterior fits as it is.
//
// Promises: every value f returns and every coordinate of ∇f is checked; a NaN
// or an infinity stops the call with a valley::Error that names the objective,
// the quantity and (for ∇f) the coordinate, never a crash or a silent NaN. The
// callbacks are called from the thread that runs the method, one call at a
// time.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "valley/objective/objective.h"

namespace valley {

class FunctionObjective final : public Objective {
 public:
  // f(x) for x of size dim.
  using LossFn = std::function<double(std::span<const float> x)>;
  // f(x), with ∇f(x) written into grad (of size dim).
  using GradientFn = std::function<double(std::span<const float> x, std::span<float> grad)>;

  // `loss` may be empty when `gradient` is given (f then comes from it), and
  // `gradient` may be empty for the gradient-free estimator (importance
  // sampling); a method that needs ∇f then fails naming it. `name` appears
  // in every error about the objective. Errors: dim < 1, both callbacks
  // empty.
  FunctionObjective(int64_t dim, LossFn loss, GradientFn gradient = {}, std::string name = "the objective");

  int64_t dim() const override { return dim_; }
  bool has_gradient() const { return static_cast<bool>(gradient_); }
  const std::string& name() const { return name_; }

 protected:
  double compute_loss(ConstVecRef x) override;
  double compute_gradient(ConstVecRef x, VecRef grad) override;

 private:
  int64_t dim_;
  LossFn loss_;
  GradientFn gradient_;
  std::string name_;
  Vec point_, scratch_;
};

}  // namespace valley
