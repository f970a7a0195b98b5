// Quadrature for expectations under a standard Gaussian in d ≤ 2 dimensions:
//   E_{ξ∼N(0,I_d)} g(ξ) ≈ Σ_i w_i g(ξ_i),
// the tensor-product trapezoid rule on the box [−L, L]^d with nodes
// ξ_i ∈ δ·{−n, …, n}^d and weights w_i = Π_c δ φ(ξ_{i,c}), φ the N(0, 1)
// density. Every expectation over φ_{x,τ} = N(x, τI) of the toy figures is
// one of these with x' = x + √τ ξ:
//   F_τ(x)   = −log Σ_i w_i exp(−f(x + √τ ξ_i))      (eq. 2)
//   F^H_τ(x) = Σ_i w_i f(x + √τ ξ_i)                 (§2.2)
//
// Why the trapezoid rule: for integrands analytic in a strip around the real
// line (Gaussians and Gaussian wells are entire), its error on R falls like
// exp(−2π² s²/h²) in the node spacing h, s the narrowest length of the
// integrand — spectral accuracy without Gauss–Hermite's clustering of nodes
// near the centre, which would miss a sharp well a few √τ away. The spacing
// therefore follows the loss: h = √τ δ ≤ length_scale / nodes_per_length,
// and δ ≤ max_step keeps the Gaussian itself resolved (error e^{−2π²/δ²}).
// Truncating to |ξ_c| ≤ L drops the mass 2Φ(−L) per coordinate (1.2e-15 for
// L = 8), amplified at most by how much larger exp(−f) is out there.
// δ is rounded down to a multiple of 2⁻⁸, so that every node is exactly
// representable in float (the Objective interface's type).
// d = dimension, N = nodes.
#pragma once

#include <cstdint>
#include <limits>

#include <Eigen/Dense>

namespace valley {

struct QuadratureSettings {
  double half_width = 8.0;                                        // L, in standard deviations
  double max_step = 0.5;                                          // largest δ, in standard deviations
  double length_scale = std::numeric_limits<double>::infinity();  // narrowest feature of f, in x units
  double nodes_per_length = 2.0;                                  // nodes per length_scale, at least
};

struct GaussianRule {
  double sigma = 1.0;       // σ = √τ: the rule integrates against N(x, σ² I)
  Eigen::MatrixXd nodes;    // d × N: ξ_i
  Eigen::VectorXd weights;  // N: w_i, summing to 1 up to the truncation

  int dim() const { return static_cast<int>(nodes.rows()); }
  int64_t size() const { return nodes.cols(); }
};

// The rule for N(x, σ² I_d), d ∈ {1, 2}. Fails if the settings ask for more
// than 2001 nodes per coordinate.
GaussianRule make_gaussian_rule(int dim, double sigma, const QuadratureSettings& settings);

// The node spacing δ (in standard deviations) that make_gaussian_rule uses.
double gaussian_rule_step(double sigma, const QuadratureSettings& settings);

}  // namespace valley
