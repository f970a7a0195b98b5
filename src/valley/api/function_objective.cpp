#include "valley/api/function_objective.h"

#include <cmath>

#include "valley/core/error.h"

namespace valley {

FunctionObjective::FunctionObjective(int64_t dim, LossFn loss, GradientFn gradient, std::string name)
    : dim_(dim), loss_(std::move(loss)), gradient_(std::move(gradient)), name_(std::move(name)) {
  if (dim_ < 1) fail("{}: the dimension must be ≥ 1 (got {})", name_, dim_);
  if (!loss_ && !gradient_) fail("{}: give f, ∇f or both (both are empty)", name_);
}

double FunctionObjective::compute_loss(ConstVecRef x) {
  // x may be an expression's temporary; the callbacks see contiguous memory.
  point_ = x;
  const std::span<const float> view(point_.data(), static_cast<std::size_t>(dim_));
  double value;
  if (loss_) {
    value = loss_(view);
  } else {
    scratch_.resize(dim_);
    value = gradient_(view, {scratch_.data(), static_cast<std::size_t>(dim_)});
  }
  if (!std::isfinite(value)) fail("{}: f(x) returned {}, not a finite number", name_, value);
  return value;
}

double FunctionObjective::compute_gradient(ConstVecRef x, VecRef grad) {
  if (!gradient_)
    fail(
        "{}: this method needs ∇f, but only f was given (give a gradient, or use the "
        "gradient-free importance sampling, method 'is')",
        name_);
  point_ = x;
  scratch_.resize(dim_);
  const double value = gradient_({point_.data(), static_cast<std::size_t>(dim_)},
                                 {scratch_.data(), static_cast<std::size_t>(dim_)});
  if (!std::isfinite(value)) fail("{}: f(x) returned {}, not a finite number", name_, value);
  for (int64_t i = 0; i < dim_; ++i)
    if (!std::isfinite(scratch_[i]))
      fail("{}: ∇f(x) holds {} at coordinate {}, not a finite number", name_, scratch_[i], i);
  grad = scratch_;
  return value;
}

}  // namespace valley
