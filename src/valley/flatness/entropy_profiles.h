// The paper's own quantities at a found point x*, as functions of τ:
//   ΔF_τ   = F_τ(x*) − f(x*) = −log E exp(−(f(x* + √τ ξ) − f(x*)))   (eq. 2)
//   ΔF^H_τ = F^H_τ(x*) − f(x*) = E f(x* + √τ ξ) − f(x*)              (§2.2)
// with ξ ~ N(0, I), estimated from M draws ξ_k that are the same for every τ
// and every run (common random numbers: counter-based, philox_normal.h), so
// two runs' profiles differ by their landscapes, not by their noise.
//   ΔF^H: the sample mean of Δ_k = f(x* + √τ ξ_k) − f(x*), CI ± 1.96 s/√M.
//   ΔF:   −log w̄ with w_k = exp(−Δ_k); its CI is the image of w̄ ± 1.96 s_w/√M
//         (delta method), and the estimate is flagged unreliable when the
//         effective sample size (Σw)²/Σw² is below M/4: then a few draws carry
//         the mean and the CI understates the error.
// Jensen: ΔF_τ ≤ ΔF^H_τ. The "heat width" is the largest τ with ΔF^H_τ ≤ δ
// (δ = 0.1 by default), found by bisection in log τ: the scale of isotropic
// noise the minimum tolerates — Jiang et al.'s PAC-Bayes σ² (2019) with the
// loss in place of the error.
#pragma once

#include <functional>
#include <vector>

namespace valley {

// Δ_k(s) = f(x* + s ξ_k) − f(x*) for every draw k (s = √τ).
using PerturbedLosses = std::function<std::vector<double>(double scale)>;

struct ProfilePoint {
  double tau = 0.0;
  double local_entropy = 0.0;                             // ΔF_τ
  double local_entropy_lo = 0.0, local_entropy_hi = 0.0;  // 95% CI
  double ess = 0.0;                                       // (Σw)²/Σw²
  bool reliable = true;                                   // ess ≥ M/4
  double heat = 0.0;                                      // ΔF^H_τ
  double heat_lo = 0.0, heat_hi = 0.0;                    // 95% CI
};

ProfilePoint profile_point(double tau, const std::vector<double>& deltas);

// τ_k = tau_min · (tau_max/tau_min)^{k/(n−1)}, k = 0 … n−1.
std::vector<double> log_grid(double tau_min, double tau_max, int n);

std::vector<ProfilePoint> entropy_profiles(const PerturbedLosses& deltas, const std::vector<double>& taus);

struct HeatWidth {
  double tau = 0.0;       // largest τ found with ΔF^H_τ ≤ δ (tau_lo if none)
  bool bracketed = true;  // false when ΔF^H ≤ δ already at tau_hi, or > δ at tau_lo
};

HeatWidth heat_width(const PerturbedLosses& deltas, double delta, double tau_lo, double tau_hi, int n_steps);

}  // namespace valley
