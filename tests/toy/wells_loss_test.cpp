#include "valley/toy/wells_loss.h"

#include <random>

#include <gtest/gtest.h>

#include "support/tolerances.h"
#include "toy/toy_tolerances.h"
#include "valley/core/error.h"
#include "valley/objective/quadratic.h"
#include "valley/toy/landscapes.h"

namespace valley {
namespace {

std::vector<Eigen::Vector2d> random_points(int n, double half_width, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-half_width, half_width);
  std::vector<Eigen::Vector2d> points;
  for (int i = 0; i < n; ++i) {
    const double a = u(rng);
    points.emplace_back(a, u(rng));
  }
  return points;
}

TEST(ToyWellsLoss, GradientsMatchCentralDifferences) {
  // STYLE §7: ∇f and the closed-form ∇F^H_τ against central differences in double.
  const double h = tol::kGradientStep, tau = 0.05;
  for (const std::string& name : landscape_names()) {
    const WellsLoss f(make_landscape(name).loss);
    for (const Eigen::Vector2d& x : random_points(20, 2.5, 7)) {
      const Eigen::Vector2d grad = f.exact_gradient(x), heat_grad = f.heat_gradient(x, tau);
      for (int i = 0; i < 2; ++i) {
        Eigen::Vector2d up = x, down = x;
        up[i] += h;
        down[i] -= h;
        EXPECT_NEAR(grad[i], (f.exact_loss(up) - f.exact_loss(down)) / (2 * h), tol::kGradientAbs)
            << name << " coordinate " << i;
        EXPECT_NEAR(heat_grad[i], (f.heat_regularized(up, tau) - f.heat_regularized(down, tau)) / (2 * h),
                    tol::kGradientAbs)
            << name << " coordinate " << i;
      }
    }
  }
}

TEST(ToyWellsLoss, WithoutWellsItIsTheQuadraticWithItsClosedForms) {
  const Landscape bowl = make_landscape("bowl");
  ASSERT_TRUE(bowl.loss.wells.empty());
  const WellsLoss f(bowl.loss);
  const Quadratic quadratic(bowl.loss.a, bowl.loss.m);
  for (const Eigen::Vector2d& x : random_points(10, 3.0, 8)) {
    EXPECT_NEAR(f.exact_loss(x), quadratic.exact_loss(x), 1e-12);
    EXPECT_NEAR(f.heat_regularized(x, 0.3), quadratic.heat_regularized(x, 0.3), 1e-12);
  }
}

TEST(ToyWellsLoss, ObjectiveInterfaceEvaluatesTheSameLoss) {
  WellsLoss f(make_landscape("wells").loss);
  Vec x(2), xi(2), grad(2);
  x << -0.9f, 0.55f;
  xi << 0.25f, -1.5f;
  EXPECT_NEAR(f.loss(x), f.exact_loss(x.cast<double>()), 1e-12);
  f.gradient(x, grad);
  EXPECT_LT((grad.cast<double>() - f.exact_gradient(x.cast<double>())).norm(), 1e-5);  // float ∇f, |∇f| ≲ 30
  // perturbed_loss forms x + σξ in double from the float inputs.
  const float sigma = 0.2f;
  f.set_centre(x, sigma);
  const Eigen::Vector2d point = x.cast<double>() + static_cast<double>(sigma) * xi.cast<double>();
  EXPECT_EQ(f.perturbed_loss(xi, 0), f.exact_loss(point));
}

TEST(ToyWellsLoss, LengthScaleIsTheNarrowestFeatureOfExpMinusF) {
  // w/√(1 + a) for the sharp well of `wells` (a = 3.5, w = 0.12), ∞ for the bowl.
  EXPECT_NEAR(WellsLoss(make_landscape("wells").loss).length_scale(), 0.12 / std::sqrt(4.5), 1e-15);
  EXPECT_TRUE(std::isinf(WellsLoss(make_landscape("bowl").loss).length_scale()));
}

TEST(ToyWellsLoss, UnknownLandscapeIsRejectedNamingTheFlag) {
  try {
    make_landscape("volcano");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--loss"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("wells, field, bowl"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace valley
