// Tests src/valley/sampling/quadrature_mean.cpp (kept under tests/toy/ with
// the other toy-landscape tests).
#include "valley/sampling/quadrature_mean.h"

#include <memory>

#include <gtest/gtest.h>

#include "toy/toy_tolerances.h"
#include "valley/core/error.h"
#include "valley/methods/local_entropy.h"
#include "valley/objective/quadratic.h"
#include "valley/toy/landscapes.h"
#include "valley/toy/regularized_losses.h"

namespace valley {
namespace {

Quadratic make_quadratic_2d() {
  Eigen::Matrix2d a;
  a << 2.0, 0.3, 0.3, 1.0;
  return Quadratic(a, Eigen::Vector2d(0.5, -1.0));
}

TEST(QuadratureMean, MatchesClosedFormMeanOfQOnAQuadratic) {
  Quadratic f = make_quadratic_2d();
  QuadratureMean estimator({});
  Vec x(2), mean(2);
  x << 1.5f, 0.25f;
  for (const double tau : {0.01, 0.1, 1.0}) {
    estimator.estimate_mean(x, tau, f, 0, mean);
    EXPECT_LT((mean.cast<double>() - f.mean_of_q(x.cast<double>(), tau)).norm(), tol::kFloatMean)
        << "τ = " << tau;
  }
}

TEST(QuadratureMean, AgreesWithTheDoubleQuadratureOnTheWells) {
  // Through the float Objective interface vs toy/regularized_losses.h in double.
  WellsLoss f(make_landscape("wells").loss);
  QuadratureSettings settings;
  settings.length_scale = f.length_scale();
  const double tau = 0.05;
  const RegularizedLosses losses(f, tau, settings);
  QuadratureMean estimator(settings);
  Vec x(2), mean(2);
  for (const Eigen::Vector2d& point :
       {Eigen::Vector2d(-0.9, 0.5), Eigen::Vector2d(0.0, 0.0), Eigen::Vector2d(1.0, -0.5)}) {
    x = point.cast<float>();
    estimator.estimate_mean(x, tau, f, 0, mean);
    EXPECT_LT((mean.cast<double>() - losses.at(x.cast<double>()).mean_of_q).norm(), tol::kFloatMean);
  }
}

TEST(QuadratureMean, LocalEntropyWithItIsExactAlgorithm1) {
  // Alg. 1: x_{k+1} = E_{q_{x_k,τ}}[X], here in closed form.
  Quadratic f = make_quadratic_2d();
  const double tau = 0.2;
  LocalEntropy method(std::make_unique<QuadratureMean>(QuadratureSettings{}),
                      TauSchedule{TauSchedule::Kind::constant, tau, 0.0}, std::nullopt);
  Vec x(2);
  x << -2.0f, 2.0f;
  for (uint64_t k = 0; k < 5; ++k) {
    const Eigen::VectorXd expected = f.mean_of_q(x.cast<double>(), tau);
    method.step(x, f, k);
    EXPECT_LT((x.cast<double>() - expected).norm(), tol::kFloatMean) << "update " << k;
  }
  EXPECT_EQ(method.name(), "quadrature");
}

TEST(QuadratureMean, RefusesMoreThanTwoDimensions) {
  Eigen::Matrix3d a = Eigen::Matrix3d::Identity();
  Quadratic f(a, Eigen::Vector3d::Zero());
  QuadratureMean estimator({});
  Vec x = Vec::Zero(3), mean(3);
  EXPECT_THROW(estimator.estimate_mean(x, 0.1, f, 0, mean), Error);
}

}  // namespace
}  // namespace valley
