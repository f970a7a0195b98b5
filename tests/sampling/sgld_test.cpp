#include "valley/sampling/sgld.h"

#include <gtest/gtest.h>

#include <cmath>

#include "support/test_objectives.h"
#include "support/tolerances.h"
#include "valley/random/philox_normal.h"

#include "valley/random/philox_normal.h"

namespace valley {
namespace {

using testing::make_quadratic;

Vec start_point() {
  Vec x(3);
  x << 1.0f, 0.0f, -0.5f;
  return x;
}

TEST(Sgld, OneStepFollowsAlgorithm3) {
  // J = 1 from y^0 = x: y^1 = x − (ε_1/2) ∇f(x) + √ε_1 z, and μ = y^1.
  Quadratic f = make_quadratic();
  const auto backend = make_cpu_backend(1);
  Sgld sgld({1, 10.0, 4}, *backend);
  const Vec x = start_point();
  Vec mean(3);
  sgld.estimate_mean(x, 0.3, f, 2, mean);
  const double eps = 1.0 / 11.0;
  const Eigen::VectorXd grad =
      Eigen::MatrixXd(Eigen::Matrix3d{{2.0, 0.3, 0.1}, {0.3, 1.0, -0.2}, {0.1, -0.2, 1.5}}) *
      (x.cast<double>() - Eigen::Vector3d(0.5, -1.0, 0.25));
  for (int i = 0; i < 3; ++i) {
    const double z = normal_at(NoiseKey{4, Stream::sgld, 2, 1}, static_cast<uint64_t>(i));
    EXPECT_NEAR(mean[i], x[i] - 0.5 * eps * grad[i] + std::sqrt(eps) * z, 1e-6) << i;
  }
  EXPECT_LT((sgld.chain() - mean).cwiseAbs().maxCoeff(), 1e-6);  // μ = ε y / ε in float
  EXPECT_EQ(f.counts().n_gradient, 1);
}

// Estimates from a chain that has already run `warmup` updates at x.
Eigen::MatrixXd estimates_after_warmup(int64_t n_samples, int n_estimates, uint64_t seed) {
  Quadratic f = make_quadratic();
  const auto backend = make_cpu_backend(1);
  Sgld sgld({n_samples, 100.0, seed}, *backend);
  const Vec x = start_point();
  Vec mean(3);
  for (uint64_t k = 0; k < 5; ++k) sgld.estimate_mean(x, 0.5, f, k, mean);
  Eigen::MatrixXd out(3, n_estimates);
  for (int e = 0; e < n_estimates; ++e) {
    sgld.estimate_mean(x, 0.5, f, 5 + static_cast<uint64_t>(e), mean);
    out.col(e) = mean.cast<double>();
  }
  return out;
}

TEST(Sgld, MeanMatchesClosedFormForQuadratic) {
  // For a quadratic loss the Langevin recursion is linear, so its stationary
  // mean is exactly E_q X even with finite ε; after warm-up the average of
  // 200 estimates must lie within 5 standard errors of it.
  Quadratic f = make_quadratic();
  const Eigen::VectorXd exact = f.mean_of_q(start_point().cast<double>(), 0.5);
  const Eigen::MatrixXd estimates = estimates_after_warmup(1000, 200, 11);
  const Eigen::VectorXd average = estimates.rowwise().mean();
  for (int i = 0; i < 3; ++i) {
    const double sd = std::sqrt((estimates.row(i).array() - average[i]).square().sum() / 199);
    EXPECT_NEAR(average[i], exact[i], tol::kStandardErrors * sd / std::sqrt(200.0)) << i;
  }
}

TEST(Sgld, ErrorShrinksWithTheSampleCount) {
  // With ε_j = 1/(ε0 + j) the chain covers the time T = Σ ε_j ≈ log((ε0 + J)/ε0),
  // so the error of its time average shrinks like 1/√log J, not 1/√J. From
  // J = 50 (T = 0.4, about one stationary draw: RMSE ≈ √tr Σ_q ≈ 0.9) to
  // J = 50000 (T = 6.2: RMSE ≈ √(2 tr Σ_q /(λ T)) ≈ 0.4 with λ ≈ 1.75 the
  // slowest rate P/2) theory predicts a factor ≈ 2; require 1.5.
  Quadratic f = make_quadratic();
  const Eigen::VectorXd exact = f.mean_of_q(start_point().cast<double>(), 0.5);
  auto rmse = [&](int64_t n) {
    const Eigen::MatrixXd e = estimates_after_warmup(n, 40, 3);
    return std::sqrt((e.colwise() - exact).colwise().squaredNorm().mean());
  };
  EXPECT_LT(rmse(50000), rmse(50) / 1.5);
}

TEST(Sgld, ChainContinuesAcrossUpdates) {
  Quadratic f = make_quadratic();
  const auto backend = make_cpu_backend(1);
  Sgld two_updates({10, 100.0, 1}, *backend);
  Vec mean(3);
  two_updates.estimate_mean(start_point(), 0.5, f, 0, mean);
  const Vec after_first = two_updates.chain();
  two_updates.estimate_mean(start_point(), 0.5, f, 1, mean);
  Sgld fresh({10, 100.0, 1}, *backend);
  fresh.estimate_mean(start_point(), 0.5, f, 1, mean);  // same noise, but starts at x
  EXPECT_NE(two_updates.chain(), fresh.chain());
  EXPECT_NE(after_first, start_point());
}

}  // namespace
}  // namespace valley
