#include "valley/numerics/gaussian_rule.h"

#include <cmath>

#include <gtest/gtest.h>

#include "valley/core/error.h"

namespace valley {
namespace {

// Σ w_i g(ξ_i) for a function of the nodes.
template <typename G>
double integrate(const GaussianRule& rule, G g) {
  double sum = 0.0;
  for (int64_t i = 0; i < rule.size(); ++i) sum += rule.weights[i] * g(rule.nodes.col(i));
  return sum;
}

TEST(QuadratureRule, IntegratesStandardGaussianMomentsToRoundoff) {
  // E 1 = 1, E ξ = 0, E ξ² = 1, E ξ⁴ = 3, E ξ_1² ξ_2² = 1, and E cos(ξ) = e^{−1/2}:
  // the trapezoid rule with δ ≤ 0.5 is exact to e^{−2π²/δ²} ≈ 1e-34 plus the
  // truncation 2Φ(−8) ≈ 1e-15, so 1e-13 covers the rounding of the sums.
  for (const int dim : {1, 2}) {
    const GaussianRule rule = make_gaussian_rule(dim, 1.0, {});
    EXPECT_NEAR(integrate(rule, [](const auto&) { return 1.0; }), 1.0, 1e-13) << "d = " << dim;
    for (int c = 0; c < dim; ++c) {
      EXPECT_NEAR(integrate(rule, [c](const auto& xi) { return xi[c]; }), 0.0, 1e-13);
      EXPECT_NEAR(integrate(rule, [c](const auto& xi) { return xi[c] * xi[c]; }), 1.0, 1e-13);
      EXPECT_NEAR(integrate(rule, [c](const auto& xi) { return std::pow(xi[c], 4); }), 3.0, 1e-12);
      EXPECT_NEAR(integrate(rule, [c](const auto& xi) { return std::cos(xi[c]); }), std::exp(-0.5), 1e-13);
    }
    if (dim == 2) {
      EXPECT_NEAR(integrate(rule, [](const auto& xi) { return xi[0] * xi[0] * xi[1] * xi[1]; }), 1.0, 1e-13);
    }
  }
}

TEST(QuadratureRule, SpacingResolvesTheLossAndNodesAreExactInFloat) {
  QuadratureSettings settings;
  settings.length_scale = 0.05;
  const double sigma = std::sqrt(0.05);
  const double step = gaussian_rule_step(sigma, settings);
  EXPECT_LE(sigma * step, settings.length_scale / settings.nodes_per_length);  // h ≤ length / nodes
  EXPECT_GT(sigma * (step + 1.0 / 256),
            settings.length_scale / settings.nodes_per_length);  // the largest such
  EXPECT_EQ(step * 256, std::floor(step * 256));                 // a multiple of 2⁻⁸
  const GaussianRule rule = make_gaussian_rule(2, sigma, settings);
  EXPECT_EQ(rule.nodes.cast<float>().cast<double>(), rule.nodes);
  EXPECT_GE(rule.nodes.maxCoeff(), settings.half_width);  // covers [−L, L]
  // Without a length scale the Gaussian alone sets δ = max_step.
  EXPECT_EQ(gaussian_rule_step(sigma, QuadratureSettings{}), 0.5);
}

TEST(QuadratureRule, RefusesRulesTooLargeToEvaluate) {
  QuadratureSettings settings;
  settings.length_scale = 1e-4;
  EXPECT_THROW(make_gaussian_rule(2, 1.0, settings), Error);
  EXPECT_THROW(make_gaussian_rule(3, 1.0, QuadratureSettings{}), Error);
}

}  // namespace
}  // namespace valley
