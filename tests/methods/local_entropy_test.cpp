#include "valley/methods/local_entropy.h"

#include <gtest/gtest.h>

#include "support/test_objectives.h"
#include "support/tolerances.h"

namespace valley {
namespace {

using testing::make_quadratic;

// E_q X in closed form: Algorithm 1 with the exact second step.
class ExactQuadraticMean final : public MeanEstimator {
 public:
  explicit ExactQuadraticMean(const Quadratic& f) : f_(f) {}
  std::string name() const override { return "exact"; }
  MeanEstimate estimate_mean(ConstVecRef x, double tau, Objective&, uint64_t, VecRef mean) override {
    mean = f_.mean_of_q(x.cast<double>(), tau).cast<float>();
    return {};
  }
  nlohmann::json settings() const override { return {}; }

 private:
  const Quadratic& f_;
};

Vec start_point() {
  Vec x(3);
  x << 3.0f, -2.0f, 1.0f;
  return x;
}

TEST(LocalEntropy, ExactAlgorithm1IsGradientDescentOnLocalEntropyWithStepTau) {
  // eq. 12: x_{k+1} = E_q X = x_k − τ ∇F_τ(x_k). ∇F_τ here comes from central
  // differences of the closed-form F_τ, independent of the identity tested.
  Quadratic f = make_quadratic();
  const double tau = 0.4;
  LocalEntropy method(std::make_unique<ExactQuadraticMean>(f),
                      TauSchedule{TauSchedule::Kind::constant, tau, 0.0}, std::nullopt);
  Vec x = start_point();
  for (uint64_t k = 0; k < 5; ++k) {
    const Eigen::VectorXd xk = x.cast<double>();
    Eigen::VectorXd grad(3);
    for (int i = 0; i < 3; ++i) {
      Eigen::VectorXd up = xk, dn = xk;
      up[i] += 1e-5;
      dn[i] -= 1e-5;
      grad[i] = (f.local_entropy(up, tau) - f.local_entropy(dn, tau)) / 2e-5;
    }
    method.step(x, f, k);
    // float parameters: 1e-5 absolute covers rounding of x (magnitude ≤ 3).
    EXPECT_LT((x.cast<double>() - (xk - tau * grad)).cwiseAbs().maxCoeff(), 1e-5) << "update " << k;
  }
}

TEST(LocalEntropy, ExactAlgorithm1DecreasesLocalEntropyMonotonically) {
  // Theorem 2.
  Quadratic f = make_quadratic();
  const double tau = 0.4;
  LocalEntropy method(std::make_unique<ExactQuadraticMean>(f),
                      TauSchedule{TauSchedule::Kind::constant, tau, 0.0}, std::nullopt);
  Vec x = start_point();
  double previous = f.local_entropy(x.cast<double>(), tau);
  for (uint64_t k = 0; k < 50; ++k) {
    method.step(x, f, k);
    const double current = f.local_entropy(x.cast<double>(), tau);
    EXPECT_LE(current, previous + 1e-6) << "update " << k;  // float rounding of x
    previous = current;
  }
  // It converges to the minimizer of F_τ, which for a quadratic is m.
  EXPECT_LT((x.cast<double>() - Eigen::Vector3d(0.5, -1.0, 0.25)).norm(), 1e-3);
}

TEST(LocalEntropy, OuterStepEtaScalesTheMove) {
  Quadratic f = make_quadratic();
  const double tau = 0.4, eta = 0.1;
  LocalEntropy method(std::make_unique<ExactQuadraticMean>(f),
                      TauSchedule{TauSchedule::Kind::constant, tau, 0.0}, eta);
  Vec x = start_point();
  const Eigen::VectorXd xk = x.cast<double>();
  method.step(x, f, 0);
  const Eigen::VectorXd expected = xk - eta * (xk - f.mean_of_q(xk, tau)) / tau;
  EXPECT_LT((x.cast<double>() - expected).cwiseAbs().maxCoeff(), 1e-6);
}

TEST(LocalEntropy, ReportsTheScheduledTau) {
  Quadratic f = make_quadratic();
  LocalEntropy method(std::make_unique<ExactQuadraticMean>(f),
                      TauSchedule{TauSchedule::Kind::scoping, 1.5, 0.01}, std::nullopt);
  Vec x = start_point();
  EXPECT_DOUBLE_EQ(method.step(x, f, 0).tau, 1.5);
  EXPECT_DOUBLE_EQ(method.step(x, f, 10).tau, 1.5 / std::pow(1.01, 10));
}

}  // namespace
}  // namespace valley
