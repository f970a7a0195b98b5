#include "valley/flatness/pac_bayes.h"

#include <cmath>

namespace valley {

PacBayesSigma pac_bayes_sigma(const AccuracyDrop& drop, double target, double sigma_lo, double sigma_hi,
                              int n_steps) {
  auto result = [](double sigma, bool bracketed) {
    return PacBayesSigma{sigma, 1.0 / (sigma * sigma), bracketed};
  };
  if (drop(sigma_hi) <= target) return result(sigma_hi, false);
  if (drop(sigma_lo) > target) return result(sigma_lo, false);
  double lo = std::log(sigma_lo), hi = std::log(sigma_hi);
  for (int s = 0; s < n_steps; ++s) {
    const double mid = 0.5 * (lo + hi);
    if (drop(std::exp(mid)) <= target)
      lo = mid;
    else
      hi = mid;
  }
  return result(std::exp(lo), true);
}

}  // namespace valley
