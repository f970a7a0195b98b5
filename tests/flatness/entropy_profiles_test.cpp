// ΔF_τ and ΔF^H_τ from Monte Carlo draws against their closed forms on the
// quadratic (objective/quadratic.h) and against quadrature on a 2-D toy
// landscape with a well (toy/wells_loss.h); the heat width's bisection.
#include "valley/flatness/entropy_profiles.h"

#include <gtest/gtest.h>

#include <cmath>

#include "support/test_objectives.h"
#include "valley/random/philox_normal.h"
#include "valley/numerics/gaussian_rule.h"
#include "valley/toy/wells_loss.h"

namespace valley {
namespace {

// Estimates are compared with the exact value within this many of their own
// standard errors (support/tolerances.h's reasoning: fixed seeds, so a pass
// is reproducible; 5 SE is a false alarm below 1e-6).
constexpr double kStandardErrors = 5.0;
constexpr int kDraws = 20000;

Eigen::MatrixXd draws(int d, int m) {
  std::vector<float> z(static_cast<size_t>(d) * m);
  fill_normal(NoiseKey{11, Stream::test, 6, 0}, 0, z);
  return Eigen::Map<Eigen::MatrixXf>(z.data(), d, m).cast<double>();
}

template <typename F>
PerturbedLosses perturbed(F f, Eigen::VectorXd x, Eigen::MatrixXd xi) {
  return [f, x, xi](double s) {
    const double f0 = f(x);
    std::vector<double> out;
    for (Eigen::Index k = 0; k < xi.cols(); ++k) out.push_back(f(Eigen::VectorXd(x + s * xi.col(k))) - f0);
    return out;
  };
}

double se(double lo, double hi) { return (hi - lo) / (2 * 1.96); }

TEST(EntropyProfiles, MatchClosedFormsOnTheQuadratic) {
  const Quadratic q = testing::make_quadratic();
  Eigen::MatrixXd a(3, 3);
  a << 2.0, 0.3, 0.1, 0.3, 1.0, -0.2, 0.1, -0.2, 1.5;
  const auto f = [&q](const Eigen::VectorXd& x) { return q.exact_loss(x); };
  for (const Eigen::Vector3d& x : {Eigen::Vector3d(0.5, -1.0, 0.25), Eigen::Vector3d(0.9, -0.6, 0.0)}) {
    const auto points = entropy_profiles(perturbed(f, x, draws(3, kDraws)), {0.01, 0.1, 1.0});
    for (const ProfilePoint& p : points) {
      const double exact_le = q.local_entropy(x, p.tau) - q.exact_loss(x);
      const double exact_heat = 0.5 * p.tau * a.trace();  // F^H_τ − f = (τ/2) tr A
      EXPECT_TRUE(p.reliable) << "τ = " << p.tau;
      EXPECT_NEAR(p.heat, exact_heat, kStandardErrors * se(p.heat_lo, p.heat_hi)) << "τ = " << p.tau;
      EXPECT_NEAR(p.local_entropy, exact_le, kStandardErrors * se(p.local_entropy_lo, p.local_entropy_hi))
          << "τ = " << p.tau;
      EXPECT_LE(p.local_entropy, p.heat + 1e-12) << "Jensen, τ = " << p.tau;
      EXPECT_LT(se(p.heat_lo, p.heat_hi), 0.05 * std::abs(exact_heat) + 1e-9);
    }
  }
}

TEST(EntropyProfiles, MatchQuadratureOnAToyLandscape) {
  WellsSettings settings;
  settings.a = 0.1 * Eigen::Matrix2d::Identity();
  settings.wells.push_back(Well{Eigen::Vector2d(0.3, 0.0), 2.0, 0.3});
  WellsLoss wells(settings);
  const auto f = [&wells](const Eigen::VectorXd& x) { return wells.exact_loss(Eigen::Vector2d(x)); };
  const Eigen::Vector2d x(0.3, 0.0);
  for (double tau : {0.005, 0.05}) {
    QuadratureSettings qs;
    qs.length_scale = wells.length_scale();
    const GaussianRule rule = make_gaussian_rule(2, std::sqrt(tau), qs);
    double mean_exp = 0.0, mean_f = 0.0;
    for (int64_t i = 0; i < rule.size(); ++i) {
      const double fi = f(Eigen::VectorXd(x + rule.sigma * rule.nodes.col(i)));
      mean_exp += rule.weights[i] * std::exp(-fi);
      mean_f += rule.weights[i] * fi;
    }
    const double f0 = f(x);
    const double exact_le = -std::log(mean_exp) - f0;
    const double exact_heat = mean_f - f0;
    EXPECT_NEAR(exact_heat, wells.heat_regularized(x, tau) - f0, 1e-9);  // the quadrature itself
    const ProfilePoint p = entropy_profiles(perturbed(f, x, draws(2, kDraws)), {tau}).front();
    EXPECT_NEAR(p.heat, exact_heat, kStandardErrors * se(p.heat_lo, p.heat_hi));
    EXPECT_NEAR(p.local_entropy, exact_le, kStandardErrors * se(p.local_entropy_lo, p.local_entropy_hi));
    EXPECT_GT(exact_heat, 0.01);  // the well is felt: the check is not trivially 0 ≈ 0
  }
}

TEST(EntropyProfiles, FlagsFewEffectiveSamples) {
  // One draw far below the rest carries the whole exp-mean.
  std::vector<double> deltas(100, 5.0);
  deltas[3] = -5.0;
  const ProfilePoint p = profile_point(1.0, deltas);
  EXPECT_FALSE(p.reliable);
  EXPECT_LT(p.ess, 2.0);
  std::vector<double> flat(100, 0.5);
  flat[0] = 0.6;
  EXPECT_TRUE(profile_point(1.0, flat).reliable);
}

TEST(HeatWidth, BisectionFindsTheTauWhereTheHeatGapReachesDelta) {
  // At the minimum of a quadratic, Δ_k(√τ) = (τ/2) ξ_kᵀ A ξ_k: the sample mean
  // is linear in τ, so the width is 2δ / mean(ξᵀAξ) over the same draws.
  const Quadratic q = testing::make_quadratic();
  const Eigen::Vector3d m(0.5, -1.0, 0.25);
  const auto f = [&q](const Eigen::VectorXd& x) { return q.exact_loss(x); };
  const Eigen::MatrixXd xi = draws(3, 64);
  Eigen::MatrixXd a(3, 3);
  a << 2.0, 0.3, 0.1, 0.3, 1.0, -0.2, 0.1, -0.2, 1.5;
  double mean_q = 0.0;
  for (Eigen::Index k = 0; k < xi.cols(); ++k) mean_q += xi.col(k).dot(a * xi.col(k)) / xi.cols();
  const HeatWidth w = heat_width(perturbed(f, m, xi), 0.1, 1e-6, 10.0, 50);
  EXPECT_TRUE(w.bracketed);
  EXPECT_NEAR(w.tau, 0.2 / mean_q, 1e-6 * w.tau);
  EXPECT_FALSE(heat_width(perturbed(f, m, xi), 0.1, 1e-6, 1e-3, 50).bracketed);
}

}  // namespace
}  // namespace valley
