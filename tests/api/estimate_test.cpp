// The estimators alone on a quadratic, whose q_{x,τ} (eq. 6) is Gaussian:
// f = ½ Σ a_i x_i² gives mean x_i/(1 + τ a_i), variance τ/(1 + τ a_i).
#include "valley/api/estimate.h"

#include <cmath>

#include <gtest/gtest.h>

#include "valley/api/function_objective.h"
#include "valley/core/error.h"

namespace valley {
namespace {

constexpr double kTau = 0.5;
const Vec kX = (Vec(3) << 1.0f, -1.0f, 0.5f).finished();

double quadratic(std::span<const float> x, std::span<float> g) {
  double sum = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double a = 1 << i;
    if (!g.empty()) g[i] = static_cast<float>(a * x[i]);
    sum += 0.5 * a * x[i] * x[i];
  }
  return sum;
}

FunctionObjective objective() {
  return FunctionObjective(
      3, [](std::span<const float> x) { return quadratic(x, {}); }, quadratic);
}

double exact_mean(int i) { return kX[i] / (1 + kTau * (1 << i)); }
double exact_sd(int i) { return std::sqrt(kTau / (1 + kTau * (1 << i))); }

TEST(EstimateLocalEntropy, ImportanceSamplingMatchesTheClosedFormWithinMonteCarloError) {
  FunctionObjective f = objective();
  MethodConfig is;
  is.name = "is";
  is.regularization.tau = kTau;
  is.n_samples = 20000;
  const LocalEntropyEstimate e = estimate_local_entropy(f, kX, is);
  EXPECT_EQ(e.counts.n_loss, 20000);
  EXPECT_EQ(e.counts.n_gradient, 0);
  for (int i = 0; i < 3; ++i)  // self-normalized IS: standard error ≈ sd/√ESS
    EXPECT_NEAR(e.mean[i], exact_mean(i), 5 * exact_sd(i) / std::sqrt(e.ess)) << i;
  EXPECT_EQ(e.step, e.mean);  // η = τ: the step is the mean (Remark 1)
  EXPECT_TRUE(e.gradient.isApprox((kX - e.mean) / kTau));
}

TEST(EstimateLocalEntropy, SgldMatchesTheClosedFormWithinMonteCarloError) {
  // One chain's time average has little time: Σ ε_j ≈ ln(1 + J/ε0). So the
  // estimates of 40 seeds are averaged, and compared within 4 standard errors
  // of that average (from their spread) plus 0.03 for the chain's start at x
  // and the finite steps (both O(ε0⁻¹ / Σ ε_j)).
  MethodConfig sgld;
  sgld.name = "sgld";
  sgld.regularization.tau = kTau;
  sgld.n_samples = 2000;
  sgld.sgld.eps_0 = 10;
  constexpr int kSeeds = 40;
  Eigen::ArrayXd sum = Eigen::ArrayXd::Zero(3), sum_squares = Eigen::ArrayXd::Zero(3);
  for (int seed = 1; seed <= kSeeds; ++seed) {
    FunctionObjective f = objective();
    sgld.seed = static_cast<uint64_t>(seed);
    const LocalEntropyEstimate e = estimate_local_entropy(f, kX, sgld);
    EXPECT_EQ(e.counts.n_gradient, 2000);
    const Eigen::ArrayXd mean = e.mean.cast<double>().array();
    sum += mean;
    sum_squares += mean.square();
  }
  const Eigen::ArrayXd average = sum / kSeeds;
  const Eigen::ArrayXd spread = (sum_squares / kSeeds - average.square()).sqrt();
  for (int i = 0; i < 3; ++i)
    EXPECT_NEAR(average[i], exact_mean(i), 4 * spread[i] / std::sqrt(kSeeds) + 0.03) << i;
}

TEST(EstimateLocalEntropy, AnOuterStepEtaScalesTheGradient) {
  FunctionObjective f = objective();
  MethodConfig is;
  is.name = "is";
  is.regularization.tau = kTau;
  is.regularization.eta = 0.1;
  is.n_samples = 100;
  const LocalEntropyEstimate e = estimate_local_entropy(f, kX, is);
  EXPECT_TRUE(e.step.isApprox(kX - 0.1f * e.gradient));
}

TEST(EstimateLocalEntropy, RefusesOtherMethodsAndBadPoints) {
  FunctionObjective f = objective();
  MethodConfig heat;
  heat.name = "heat";
  EXPECT_THROW(estimate_local_entropy(f, kX, heat), Error);
  MethodConfig is;
  is.name = "is";
  try {
    estimate_local_entropy(f, Vec::Zero(4), is);
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "x has 4 numbers, but the objective has dimension 3");
  }
}

TEST(HeatStep, ShrinksAQuadraticTowardsItsMinimumAndIsReproducible) {
  FunctionObjective f = objective();
  MethodConfig heat;
  heat.regularization.tau = kTau;
  const Vec next = heat_step(f, kX, heat);
  EXPECT_EQ(f.counts().n_gradient, 30 * 30);  // J = M = 30
  for (int i = 0; i < 3; ++i) {
    EXPECT_LT(std::abs(next[i]), std::abs(kX[i])) << i;
    EXPECT_EQ(std::signbit(next[i]), std::signbit(kX[i])) << i;
  }
  EXPECT_EQ(heat_step(f, kX, heat), next);
}

}  // namespace
}  // namespace valley
