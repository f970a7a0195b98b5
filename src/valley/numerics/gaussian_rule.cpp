#include "valley/numerics/gaussian_rule.h"

#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

#include "valley/core/error.h"

namespace valley {

double gaussian_rule_step(double sigma, const QuadratureSettings& settings) {
  if (!(sigma > 0 && std::isfinite(sigma))) fail("quadrature: σ = √τ must be > 0 (got {})", sigma);
  if (!(settings.half_width > 0 && settings.max_step > 0 && settings.nodes_per_length > 0 &&
        settings.length_scale > 0))
    fail("quadrature: half_width, max_step, length_scale and nodes_per_length must be > 0");
  // h = σ δ ≤ length_scale / nodes_per_length, and δ ≤ max_step
  const double step =
      std::min(settings.max_step, settings.length_scale / (settings.nodes_per_length * sigma));
  return std::floor(step * 256.0) / 256.0;  // a multiple of 2⁻⁸: nodes exact in float
}

GaussianRule make_gaussian_rule(int dim, double sigma, const QuadratureSettings& settings) {
  if (dim < 1 || dim > 2) fail("quadrature: dimension {} is not supported (d = 1 or 2)", dim);
  const double step = gaussian_rule_step(sigma, settings);
  const double n_half =
      step > 0 ? std::ceil(settings.half_width / step) : std::numeric_limits<double>::infinity();
  if (!(n_half <= 1000))
    fail(
        "quadrature: τ = {:.3g} needs more than 2001 nodes per coordinate to resolve features of "
        "width {:.3g}; use a smaller τ",
        sigma * sigma, settings.length_scale);
  const int n = static_cast<int>(n_half);
  // 1-D trapezoid rule: nodes δ·i, weights δ φ(δ·i), i = −n … n
  std::vector<double> xi_1d, w_1d;
  for (int i = -n; i <= n; ++i) {
    const double xi = step * i;
    xi_1d.push_back(xi);
    w_1d.push_back(step * std::exp(-0.5 * xi * xi) / std::sqrt(2 * std::numbers::pi));
  }
  const auto n_1d = static_cast<Eigen::Index>(xi_1d.size());
  GaussianRule rule;
  rule.sigma = sigma;
  if (dim == 1) {
    rule.nodes = Eigen::Map<const Eigen::RowVectorXd>(xi_1d.data(), n_1d);
    rule.weights = Eigen::Map<const Eigen::VectorXd>(w_1d.data(), n_1d);
    return rule;
  }
  // Tensor product: w_{(a,b)} = w_a w_b at (ξ_a, ξ_b).
  rule.nodes.resize(2, n_1d * n_1d);
  rule.weights.resize(n_1d * n_1d);
  for (Eigen::Index a = 0; a < n_1d; ++a)
    for (Eigen::Index b = 0; b < n_1d; ++b) {
      const Eigen::Index i = a * n_1d + b;
      rule.nodes(0, i) = xi_1d[static_cast<std::size_t>(a)];
      rule.nodes(1, i) = xi_1d[static_cast<std::size_t>(b)];
      rule.weights[i] = w_1d[static_cast<std::size_t>(a)] * w_1d[static_cast<std::size_t>(b)];
    }
  return rule;
}

}  // namespace valley
