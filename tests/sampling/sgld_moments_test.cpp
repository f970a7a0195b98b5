// SGLD's chain as an estimator of the mean and the per-coordinate variances
// of q(y) ∝ exp(−f(y)) N(y; x, diag(s)) (--covariance diag, sampling/sgld.h),
// on quadratics, where q is Gaussian and the chain is a linear recursion.
#include <cmath>

#include <gtest/gtest.h>

#include "support/test_objectives.h"
#include "support/tolerances.h"
#include "valley/sampling/sgld.h"
#include "valley/schedules/step_sizes.h"

namespace valley {
namespace {

using testing::make_quadratic;

TEST(SgldMoments, WithEqualVariancesTheChainIsAlgorithm3BitForBit) {
  // s = τ·1 with τ = 1/4, whose inverse is exact in float: the diagonal
  // coupling (y − x) ⊘ s is then the isotropic (y − x)/τ, number for number.
  Quadratic f = make_quadratic();
  const auto backend = make_cpu_backend(1);
  Sgld iso({50, 100.0, 7}, *backend), diagonal({50, 100.0, 7}, *backend);
  Vec x(3), iso_mean(3), mean(3), variance(3);
  x << 1.0f, 0.0f, -0.5f;
  const Vec s = Vec::Constant(3, 0.25f);
  for (uint64_t k = 0; k < 3; ++k) {
    iso.estimate_mean(x, 0.25, f, k, iso_mean);
    diagonal.estimate_moments(x, s, f, k, mean, variance);
    EXPECT_EQ(mean, iso_mean) << "update " << k;
    EXPECT_EQ(Vec(diagonal.chain()), Vec(iso.chain())) << "update " << k;
  }
}

// A diagonal quadratic f(y) = ½ Σ a_i (y_i − c_i)²: q's coordinates are
// independent, with precision P_i = a_i + 1/s_i, mean μ_i = (a_i c_i + x_i/s_i)/P_i
// and variance 1/P_i.
const Eigen::Vector3d kA(2.0, 0.5, 1.0), kC(0.5, -1.0, 0.25);

struct Expected {
  double mean, variance;
};

// The expectation of one update's estimates from a chain started at x, by
// the exact recursion of the first and second moments of the linear chain
// u_j = y_j − x = (1 − h_j) u_{j−1} + h_j δ + √ε_j z_j, h_j = ε_j P/2, δ = μ − x,
// and of W = Σ_j ε_j u_j:
//   E[μ̂] = x + E[W]/E,  E[v̂] = Σ_j ε_j E[u_j²]/E − E[W²]/E²,  E = Σ_j ε_j.
// It is not Var_q: the chain's finite steps inflate the variance by
// 1/(1 − ε P/4), and v̂ subtracts the square of a noisy μ̂ (by E[(μ̂ − μ)²]).
Expected expected_estimates(double precision, double delta, double x, int64_t n_steps, double eps_0) {
  double e = 0, q = 0, m = 0, n = 0, c = 0, s = 0, total = 0;
  for (int64_t j = 1; j <= n_steps; ++j) {
    const double eps = sgld_temperature(eps_0, j), h = 0.5 * eps * precision;
    const double d = (1 - h) * c + h * delta * m;  // E[W_{j−1} u_j]
    q = (1 - h) * (1 - h) * q + 2 * (1 - h) * h * delta * e + h * h * delta * delta + eps;  // E[u_j²]
    e = (1 - h) * e + h * delta;                                                            // E[u_j]
    n += 2 * eps * d + eps * eps * q;                                                       // E[W_j²]
    c = d + eps * q;                                                                        // E[W_j u_j]
    m += eps * e;                                                                           // E[W_j]
    s += eps * q;
    total += eps;
  }
  return {x + m / total, s / total - n / (total * total)};
}

TEST(SgldMoments, EstimatesOfAGaussianQHaveTheirExactExpectationWithinMonteCarloError) {
  Quadratic f(Eigen::MatrixXd(kA.asDiagonal()), kC);
  const auto backend = make_cpu_backend(1);
  constexpr int64_t kSteps = 1000;
  constexpr double kEps0 = 50.0;
  constexpr int kReplicates = 1000;
  Vec x(3), s(3), mean(3), variance(3);
  x << 1.0f, 0.0f, -0.5f;
  s << 0.5f, 0.1f, 0.2f;  // unequal: the coupling must be per coordinate
  Eigen::MatrixXd means(3, kReplicates), variances(3, kReplicates);
  for (int r = 0; r < kReplicates; ++r) {
    Sgld sgld({kSteps, kEps0, static_cast<uint64_t>(1000 + r)}, *backend);  // a fresh chain from x
    sgld.estimate_moments(x, s, f, 0, mean, variance);
    means.col(r) = mean.cast<double>();
    variances.col(r) = variance.cast<double>();
  }
  for (int i = 0; i < 3; ++i) {
    const double precision = kA[i] + 1.0 / s[i];
    const double mu = (kA[i] * kC[i] + x[i] / s[i]) / precision;
    const Expected expected = expected_estimates(precision, mu - x[i], x[i], kSteps, kEps0);
    const auto check = [&](const Eigen::MatrixXd& estimates, double value, const char* what) {
      const double average = estimates.row(i).mean();
      const double sd = std::sqrt((estimates.row(i).array() - average).square().sum() / (kReplicates - 1));
      const double se = sd / std::sqrt(static_cast<double>(kReplicates));
      EXPECT_NEAR(average, value, tol::kStandardErrors * se) << what << ", coordinate " << i;
      return se;
    };
    check(means, expected.mean, "mean");
    const double se = check(variances, expected.variance, "variance");
    // The expectation is below Var_q = 1/P by far more than the Monte Carlo
    // error (a fresh chain starts at x, and v̂ subtracts the square of a noisy
    // μ̂), so the test tells the estimator from a naive reading of it.
    EXPECT_LT(expected.variance, 1.0 / precision - 10 * se) << i;
  }
}

TEST(SgldMoments, AfterWarmUpTheChainGivesTheMomentsOfQWithinMonteCarloError) {
  // A chain that has run for a while is stationary, and for a quadratic its
  // stationary law is Gaussian with q's mean exactly (the recursion is
  // linear) and variance 1/(P (1 − εP/4)): within ε_1 P/4 ≤ 1.4 % of q's here.
  // Over updates, E[μ̂] = μ and E[v̂] = Var − Var(μ̂): one update's v̂ misses
  // the spread of its own mean, which the updates' spread of μ̂ measures.
  Quadratic f(Eigen::MatrixXd(kA.asDiagonal()), kC);
  const auto backend = make_cpu_backend(1);
  constexpr int64_t kSteps = 1000;
  constexpr double kEps0 = 200.0;
  constexpr int kUpdates = 1000;
  Vec x(3), s(3), mean(3), variance(3);
  x << 1.0f, 0.0f, -0.5f;
  s << 0.5f, 0.1f, 0.2f;
  Sgld sgld({kSteps, kEps0, 17}, *backend);
  for (uint64_t k = 0; k < 5; ++k) sgld.estimate_moments(x, s, f, k, mean, variance);  // warm-up
  Eigen::MatrixXd means(3, kUpdates), variances(3, kUpdates);
  for (int u = 0; u < kUpdates; ++u) {
    sgld.estimate_moments(x, s, f, 5 + static_cast<uint64_t>(u), mean, variance);
    means.col(u) = mean.cast<double>();
    variances.col(u) = variance.cast<double>();
  }
  const double n = kUpdates;
  for (int i = 0; i < 3; ++i) {
    const double precision = kA[i] + 1.0 / s[i];
    const double mu = (kA[i] * kC[i] + x[i] / s[i]) / precision;
    const double mean_average = means.row(i).mean();
    const double spread = (means.row(i).array() - mean_average).square().sum() / (n - 1);  // Var(μ̂)
    const double variance_average = variances.row(i).mean();
    const double variance_sd =
        std::sqrt((variances.row(i).array() - variance_average).square().sum() / (n - 1));
    EXPECT_NEAR(mean_average, mu, tol::kStandardErrors * std::sqrt(spread / n)) << "mean, coordinate " << i;
    // standard errors of the average v̂ and of the spread (≈ spread·√(2/n))
    const double se = variance_sd / std::sqrt(n) + spread * std::sqrt(2.0 / n);
    const double discretization = sgld_temperature(kEps0, 1) / 4.0;  // (1/P)·ε_1 P/4
    EXPECT_NEAR(variance_average + spread, 1.0 / precision, tol::kStandardErrors * se + discretization)
        << "variance, coordinate " << i;
  }
}

TEST(SgldMoments, SeveralChainsAverageTheirMomentsAndTheVarianceIsNotTheMeansSpread) {
  // Two chains: the variance is over every chain's steps about the common
  // mean, not the average of each chain's own variance.
  Quadratic f(Eigen::MatrixXd(kA.asDiagonal()), kC);
  const auto backend = make_cpu_backend(1);
  Vec x(3), s(3), mean(3), variance(3), mean_1(3), variance_1(3);
  x << 1.0f, 0.0f, -0.5f;
  s << 0.5f, 0.1f, 0.2f;
  Sgld two({100, 50.0, 5, false, 2}, *backend), one({100, 50.0, 5}, *backend);
  two.estimate_moments(x, s, f, 0, mean, variance);
  one.estimate_moments(x, s, f, 0, mean_1, variance_1);
  EXPECT_NE(mean, mean_1);
  EXPECT_NE(variance, variance_1);
  // chain 0 of the two is the single chain: its sums enter with weight 1/2
  EXPECT_EQ(Vec(two.chain()), Vec(one.chain()));
  for (int i = 0; i < 3; ++i) EXPECT_GE(variance[i], 0.0f);
}

}  // namespace
}  // namespace valley
