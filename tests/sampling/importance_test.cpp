#include "valley/sampling/importance.h"

#include <gtest/gtest.h>

#include <cmath>

#include "support/test_objectives.h"
#include "support/tolerances.h"
#include "valley/core/error.h"
#include "valley/numerics/logsumexp.h"
#include "valley/random/philox_normal.h"

namespace valley {
namespace {

using testing::make_quadratic;

Vec start_point() {
  Vec x(3);
  x << 1.0f, 0.0f, -0.5f;
  return x;
}

Vec estimate(Objective& f, int64_t n_samples, uint64_t seed, double tau, int n_threads = 1,
             double* ess = nullptr) {
  const auto backend = make_cpu_backend(n_threads);
  ImportanceSampling is({n_samples, 1.0, seed}, *backend);
  Vec mean(3);
  const MeanEstimate result = is.estimate_mean(start_point(), tau, f, 0, mean);
  if (ess) *ess = result.ess;
  return mean;
}

TEST(ImportanceSampling, MeanMatchesClosedFormForQuadratic) {
  // 40 independent estimates with J = 4000: their average must lie within 5
  // standard errors of E_q X; the bias of self-normalized IS is O(1/J),
  // far below that.
  Quadratic f = make_quadratic();
  const double tau = 0.5;
  const Eigen::VectorXd exact = f.mean_of_q(start_point().cast<double>(), tau);
  constexpr int n_seeds = 40;
  Eigen::MatrixXd estimates(3, n_seeds);
  for (int s = 0; s < n_seeds; ++s) estimates.col(s) = estimate(f, 4000, 100 + s, tau).cast<double>();
  const Eigen::VectorXd average = estimates.rowwise().mean();
  for (int i = 0; i < 3; ++i) {
    const double sd = std::sqrt((estimates.row(i).array() - average[i]).square().sum() / (n_seeds - 1));
    EXPECT_NEAR(average[i], exact[i], tol::kStandardErrors * sd / std::sqrt(n_seeds)) << "coordinate " << i;
  }
}

TEST(ImportanceSampling, ErrorShrinksWithTheSampleCount) {
  // Root-mean-square error over seeds: √J scaling predicts a ratio of 10
  // between J = 100 and J = 10000; require at least 4.
  Quadratic f = make_quadratic();
  const double tau = 0.5;
  const Eigen::VectorXd exact = f.mean_of_q(start_point().cast<double>(), tau);
  auto rmse = [&](int64_t n) {
    double sum = 0;
    for (int s = 0; s < 20; ++s) sum += (estimate(f, n, 7 + s, tau).cast<double>() - exact).squaredNorm();
    return std::sqrt(sum / 20);
  };
  EXPECT_LT(rmse(10000), rmse(100) / 4);
}

TEST(ImportanceSampling, HugeLossesNeitherOverflowNorUnderflow) {
  // exp(−10⁴) underflows in double; a streaming log-sum-exp keeps the
  // weights' ratios, which do not change when f is shifted by a constant.
  Quadratic f = make_quadratic();
  testing::Shifted high(f, 1.0e4), low(f, -1.0e4);
  const Vec plain = estimate(f, 500, 3, 0.5);
  const Vec shifted_high = estimate(high, 500, 3, 0.5);
  const Vec shifted_low = estimate(low, 500, 3, 0.5);
  ASSERT_TRUE(shifted_high.allFinite());
  ASSERT_TRUE(shifted_low.allFinite());
  // exp(a − max) of shifted values differs by the rounding of a ± 10⁴ (1e-12).
  EXPECT_LT((shifted_high - plain).cwiseAbs().maxCoeff(), 1e-5);
  EXPECT_LT((shifted_low - plain).cwiseAbs().maxCoeff(), 1e-5);
}

TEST(ImportanceSampling, EqualsAPlainReferenceImplementation) {
  // Alg. 4 written out directly, in double: x^j = x + √τ ξ_j, w^j = exp(−f(x^j)),
  // μ = Σ w^j x^j / Σ w^j. 301 samples: a partial last block.
  Quadratic f = make_quadratic();
  const double tau = 0.5;
  const Eigen::VectorXd x = start_point().cast<double>();
  Eigen::VectorXd numerator = Eigen::VectorXd::Zero(3);
  double denominator = 0;
  for (uint32_t j = 0; j < 301; ++j) {
    Eigen::VectorXd xj = x;
    for (int i = 0; i < 3; ++i)
      xj[i] += std::sqrt(tau) * normal_at(NoiseKey{5, Stream::importance, 0, j}, static_cast<uint64_t>(i));
    const double w = std::exp(-f.exact_loss(xj));
    numerator += w * xj;
    denominator += w;
  }
  const Eigen::VectorXd reference = numerator / denominator;
  for (int threads : {1, 2, 3}) {
    const Vec mean = estimate(f, 301, 5, tau, threads);
    // float accumulation of 301 terms: 1e-5 absolute at |μ| ≤ 1.
    EXPECT_LT((mean.cast<double>() - reference).cwiseAbs().maxCoeff(), 1e-5) << threads << " threads";
  }
}

TEST(ImportanceSampling, IsGradientFree) {
  Quadratic f = make_quadratic();
  estimate(f, 250, 1, 0.5);
  EXPECT_EQ(f.counts().n_gradient, 0);
  EXPECT_EQ(f.counts().n_loss, 250);
}

TEST(ImportanceSampling, EqualWeightsGiveFullEffectiveSampleSizeAndThePlainMean) {
  testing::Constant f(3, 2.5);
  double ess = 0;
  const Vec mean = estimate(f, 400, 9, 0.25, 1, &ess);
  EXPECT_NEAR(ess, 400.0, 1e-9);
  // μ = x + √τ · mean of the 400 noise vectors
  Vec expected = Vec::Zero(3);
  for (uint32_t j = 0; j < 400; ++j)
    for (int i = 0; i < 3; ++i) expected[i] += normal_at(NoiseKey{9, Stream::importance, 0, j}, i);
  expected = start_point() + 0.5f * expected / 400.0f;
  EXPECT_LT((mean - expected).cwiseAbs().maxCoeff(), 1e-6);
}

TEST(LogSumExp, EffectiveSampleSizeIsOneWhenOneWeightDominates) {
  LogSumExp lse;
  lse.add(-3.0);
  for (int j = 0; j < 999; ++j) lse.add(-3.0 - 1.0e4);
  EXPECT_DOUBLE_EQ(lse.effective_sample_size(), 1.0);
  EXPECT_DOUBLE_EQ(lse.log_sum(), -3.0);
}

TEST(LogSumExp, RescalesWhenALargerTermArrives) {
  LogSumExp lse;
  lse.add(0.0);
  const double rescale = lse.add(2.0);
  EXPECT_DOUBLE_EQ(rescale, std::exp(-2.0));
  EXPECT_NEAR(lse.log_sum(), std::log(1.0 + std::exp(2.0)), 1e-15);
  EXPECT_NEAR(lse.effective_sample_size(), std::pow(1 + std::exp(2.0), 2) / (1 + std::exp(4.0)), 1e-12);
}

TEST(ImportanceSampling, AllInfiniteLossesAreAnError) {
  testing::Constant f(3, std::numeric_limits<double>::infinity());
  EXPECT_THROW(estimate(f, 10, 1, 0.5), Error);
}

}  // namespace
}  // namespace valley
