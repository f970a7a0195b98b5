#include "valley/train/numerical_fault.h"

#include <cmath>

#include <fmt/format.h>

#include "valley/methods/method_names.h"

namespace valley {
namespace {

int64_t count_non_finite(ConstVecRef v) {
  int64_t n = 0;
  for (Eigen::Index i = 0; i < v.size(); ++i) n += std::isfinite(v[i]) ? 0 : 1;
  return n;
}

}  // namespace

std::string describe_non_finite_update(Objective& f, ConstVecRef x_start, ConstVecRef x_end,
                                       const std::string& step_hint) {
  const double loss = f.loss(x_start);
  if (!std::isfinite(loss))
    return fmt::format(
        "non-finite loss: f(x) at the start of the update is {} (the parameters are "
        "finite but too large: largest |x_i| = {:g})",
        loss, x_start.cwiseAbs().maxCoeff());
  Vec grad(x_start.size());
  f.gradient(x_start, grad);
  if (const int64_t n = count_non_finite(grad); n > 0)
    return fmt::format(
        "non-finite gradient: ∇f(x) at the start of the update has {} non-finite "
        "coordinates of {}",
        n, grad.size());
  return fmt::format(
      "non-finite parameters: {} of {} are NaN or infinite after the update, "
      "although the loss and gradient at its start are finite: the method's "
      "steps diverged; try {}",
      count_non_finite(x_end), x_end.size(), step_hint);
}

std::string step_size_hint(const std::string& method, int64_t k, int64_t n_sgd_first) {
  if (method == method_name::kSgd || method == method_name::kSam || k < n_sgd_first) return "a smaller --lr";
  if (method == method_name::kEntropySgd) return "a smaller --lr or --inner-lr";
  if (method == method_name::kSgld) return "a larger --eps0 (ε_j = 1/(ε0 + j)) or a larger --tau";
  if (method == method_name::kHeat) return "a smaller --rm-c (a_j = c j^(−α)) or a smaller --tau";
  return "a smaller --tau";
}

}  // namespace valley
