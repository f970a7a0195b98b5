// Algorithm 1 with a diagonal covariance on quadratics, where q is Gaussian
// and every moment is closed-form:
//   q = N(μ, Σ),  Σ = (A + S⁻¹)⁻¹,  μ = Σ (A m + S⁻¹ x),  S = diag(s).
#include "valley/methods/local_entropy_diagonal.h"

#include <cmath>

#include <gtest/gtest.h>

#include "support/test_objectives.h"
#include "valley/backends/backend.h"
#include "valley/objective/quadratic.h"
#include "valley/sampling/diagonal_importance.h"
#include "valley/sampling/importance.h"
#include "valley/sampling/sgld.h"

namespace valley {
namespace {

struct ExactMoments {
  Eigen::VectorXd mean, variance;
};

ExactMoments exact_moments(const Eigen::MatrixXd& a, const Eigen::VectorXd& m, const Eigen::VectorXd& x,
                           const Eigen::VectorXd& s) {
  const Eigen::MatrixXd precision = a + Eigen::MatrixXd(s.cwiseInverse().asDiagonal());
  const Eigen::MatrixXd sigma = precision.inverse();
  return {sigma * (a * m + x.cwiseQuotient(s)), sigma.diagonal()};
}

const Eigen::Matrix3d kA = (Eigen::Matrix3d() << 2.0, 0.3, 0.1, 0.3, 1.0, -0.2, 0.1, -0.2, 1.5).finished();
const Eigen::Vector3d kM(0.5, -1.0, 0.25);

TEST(DiagonalImportance, MomentsOfAGaussianQMatchTheClosedFormWithinMonteCarloError) {
  Quadratic f = testing::make_quadratic();
  const auto backend = make_cpu_backend(2);
  DiagonalImportance is({20000, 1.0, 3}, *backend);
  Vec x(3), s(3), mean(3), variance(3);
  x << 0.2f, 0.4f, -0.3f;
  s << 0.5f, 0.05f, 0.2f;  // unequal: a diagonal, not isotropic, prior
  const MeanEstimate moments = is.estimate_moments(x, s, f, 0, mean, variance);
  const ExactMoments exact = exact_moments(kA, kM, x.cast<double>(), s.cast<double>());
  ASSERT_GT(moments.ess, 1000.0);
  for (int i = 0; i < 3; ++i) {
    // Standard errors of a weighted mean and variance with ESS samples.
    const double se_mean = std::sqrt(exact.variance[i] / moments.ess);
    const double se_var = exact.variance[i] * std::sqrt(2.0 / moments.ess);
    EXPECT_NEAR(mean[i], exact.mean[i], 5 * se_mean) << "coordinate " << i;
    EXPECT_NEAR(variance[i], exact.variance[i], 5 * se_var) << "coordinate " << i;
  }
  // The prior's variance is not what comes back: the test can tell them apart.
  EXPECT_GT(std::abs(s[0] - exact.variance[0]), 20 * exact.variance[0] * std::sqrt(2.0 / moments.ess));
}

TEST(DiagonalImportance, WithEqualVariancesItIsAlgorithm4) {
  Quadratic f = testing::make_quadratic();
  const auto backend = make_cpu_backend(1);
  const ImportanceSettings settings{500, 1.0, 5};
  DiagonalImportance diagonal(settings, *backend);
  ImportanceSampling iso(settings, *backend);
  Vec x(3), s = Vec::Constant(3, 0.04f), mean(3), variance(3), iso_mean(3);
  x << 0.2f, 0.4f, -0.3f;
  diagonal.estimate_moments(x, s, f, 4, mean, variance);
  iso.estimate_mean(x, 0.04, f, 4, iso_mean);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(mean[i], iso_mean[i], 1e-6);
}

// The exact iteration s_{k+1} = clip(diag Σ_k), x_{k+1} = μ_k. For a diagonal
// A = diag(a) the algebra gives 1/s_{k+1,i} = 1/s_{k,i} + a_i, so
// s_{k,i} = 1/(1/s_0 + k a_i) until a clip is reached, and the fixed point is
// s_i = τ_min where a_i > 0, τ_max where a_i < 0 (while τ_max < 1/|a_i|), s_0
// where a_i = 0; the mean's fixed point is m.
TEST(LocalEntropyDiagonal, ExactIterationReachesTheFixedPointTheAlgebraPredicts) {
  const Eigen::Vector3d a(2.0, 0.5, -0.4);
  const Eigen::MatrixXd a_matrix = a.asDiagonal();
  const Eigen::Vector3d m(0.5, -1.0, 0.25);
  const double s0 = 0.1, tau_min = 0.01, tau_max = 1.0;
  Eigen::Vector3d x(1.0, 0.0, 0.25), s = Eigen::Vector3d::Constant(s0);
  for (int k = 1; k <= 200; ++k) {
    const ExactMoments q = exact_moments(a_matrix, m, x, s);
    // the mean contracts towards m by 1/(1 + a_i s_i)
    for (int i = 0; i < 3; ++i) EXPECT_NEAR(q.mean[i] - m[i], (x[i] - m[i]) / (1.0 + a[i] * s[i]), 1e-12);
    x = q.mean;
    s = q.variance.cwiseMax(tau_min).cwiseMin(tau_max);
    if (k == 3) {
      for (int i = 0; i < 3; ++i) EXPECT_NEAR(s[i], 1.0 / (1.0 / s0 + 3 * a[i]), 1e-12);
    }
  }
  EXPECT_NEAR(s[0], tau_min, 1e-12);
  EXPECT_NEAR(s[1], tau_min, 1e-12);
  EXPECT_NEAR(s[2], tau_max, 1e-12);
  // m with those variances is a fixed point of the whole iteration
  const ExactMoments at_m = exact_moments(a_matrix, m, m, s);
  EXPECT_NEAR((at_m.mean - m).norm(), 0.0, 1e-12);
  EXPECT_NEAR((at_m.variance.cwiseMax(tau_min).cwiseMin(tau_max) - s).norm(), 0.0, 1e-12);
  EXPECT_LT(std::abs(x[0] - m[0]), 0.5);  // and the iterate moved towards it
}

TEST(LocalEntropyDiagonal, MethodFollowsTheExactIterationWithinMonteCarloError) {
  Quadratic f = testing::make_quadratic();
  const auto backend = make_cpu_backend(2);
  LocalEntropyDiagonal method(
      {0.3, 0.05, 1.0}, std::make_unique<DiagonalImportance>(ImportanceSettings{20000, 1.0, 9}, *backend));
  Vec x(3);
  x << 1.0f, 1.0f, -1.0f;
  Eigen::VectorXd ex = x.cast<double>(), es = Eigen::VectorXd::Constant(3, 0.3);
  for (uint64_t k = 0; k < 4; ++k) {
    method.step(x, f, k);
    const ExactMoments q = exact_moments(kA, kM, ex, es);
    ex = q.mean;
    es = q.variance.cwiseMax(0.05).cwiseMin(1.0);
  }
  const Vec& s = *method.variances();
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(x[i], ex[i], 0.02) << "coordinate " << i;
    EXPECT_NEAR(s[i], es[i], 0.1 * es[i]) << "coordinate " << i;
  }
  EXPECT_EQ(method.state().size(), 3u);
  // a fresh method given the state continues with the same variances
  LocalEntropyDiagonal resumed(
      {0.3, 0.05, 1.0}, std::make_unique<DiagonalImportance>(ImportanceSettings{20000, 1.0, 9}, *backend));
  resumed.restore_state(method.state());
  EXPECT_EQ(*resumed.variances(), s);
}

// With SGLD the state is s followed by the chain; a fresh method given it
// continues bit for bit.
TEST(LocalEntropyDiagonal, SgldStateResumesTheChainAndTheVariances) {
  Quadratic f = testing::make_quadratic();
  const auto backend = make_cpu_backend(1);
  const auto make = [&] {
    return LocalEntropyDiagonal({0.3, 0.05, 1.0},
                                std::make_unique<Sgld>(SgldSettings{200, 100.0, 3}, *backend));
  };
  LocalEntropyDiagonal method = make();
  Vec x(3);
  x << 1.0f, 1.0f, -1.0f;
  EXPECT_EQ(method.name(), "sgld");
  EXPECT_TRUE(method.state().empty());
  for (uint64_t k = 0; k < 2; ++k) method.step(x, f, k);
  ASSERT_EQ(method.state().size(), 6u);  // s and the chain
  LocalEntropyDiagonal resumed = make();
  resumed.restore_state(method.state());
  Vec y = x;
  method.step(x, f, 2);
  resumed.step(y, f, 2);
  EXPECT_EQ(x, y);
  EXPECT_EQ(*method.variances(), *resumed.variances());
  EXPECT_NE(*method.variances(), Vec::Constant(3, 0.3f));  // the variances moved
  const std::vector<float> odd(5, 0.1f);
  EXPECT_THROW(resumed.restore_state(odd), Error);
}

}  // namespace
}  // namespace valley
