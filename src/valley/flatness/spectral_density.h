// Stochastic Lanczos quadrature (Golub & Meurant; Ghorbani, Krishnan & Xiao,
// ICML 2019; Yao et al., PyHessian 2020) for the spectral density of H:
//   φ(t) = (1/d) Σ_i δ(t − λ_i) ≈ (1/n_v) Σ_v Σ_k w_{v,k} δ(t − θ_{v,k}),
// where run v is Lanczos from a random unit vector, θ_{v,k} its Ritz values
// and w_{v,k} = (first component of s_{v,k})² the Gauss quadrature weights
// (Σ_k w_{v,k} = 1). Smoothed with a Gaussian of variance σ² for plotting.
// The same quadrature gives every spectral sum (1/d) tr g(H), in particular
// the Laplace predictions of the profiles (flatness/entropy_profiles.h) at a
// minimum, for the quadratic model f(x* + y) ≈ f(x*) + ½ yᵀ H y:
//   ΔF_τ ≈ ½ log det(I + τH) = (d/2) E[Σ_k w_k log(1 + τθ_k)]
//   ΔF^H_τ ≈ (τ/2) tr H
// (exact for a quadratic: objective/quadratic.h; NaN where 1 + τθ ≤ 0).
#pragma once

#include <cstdint>
#include <vector>

#include "valley/flatness/lanczos.h"

namespace valley {

struct QuadratureNodes {
  std::vector<double> nodes;    // θ_{v,k} of all runs
  std::vector<double> weights;  // w_{v,k} / n_v: sums to 1
};

QuadratureNodes slq_nodes(const std::vector<LanczosResult>& runs);

// (1/d) tr g(H) ≈ Σ weights · g(nodes), times d.
double slq_trace_of(const QuadratureNodes& q, int64_t d, double (*g)(double, double), double arg);

// ½ log det(I + τH) by the quadrature.
double laplace_log_det(const QuadratureNodes& q, int64_t d, double tau);

// The smoothed density at each t of `grid`.
std::vector<double> smoothed_density(const QuadratureNodes& q, const std::vector<double>& grid, double sigma);

}  // namespace valley
