// Step sizes of the inner loops, j = 1, 2, … within one outer update.
#pragma once

#include <cmath>
#include <cstdint>

namespace valley {

// Alg. 3 temperatures (Fig. 4 caption): ε_j = 1 / (ε0 + j).
inline double sgld_temperature(double eps_0, int64_t j) { return 1.0 / (eps_0 + static_cast<double>(j)); }

// Alg. 5 Robbins–Monro steps (§5.2): a_j = c · j^(−α), α ∈ (1/2, 1]. The
// paper writes "c l^α"; a Robbins–Monro schedule must decrease (Σ a_j = ∞,
// Σ a_j² < ∞), which is c · j^(−α).
inline double robbins_monro_step(double c, double alpha, int64_t j) {
  return c * std::pow(static_cast<double>(j), -alpha);
}

}  // namespace valley
