#include "valley/toy/exact_heat_step.h"

#include <gtest/gtest.h>

#include "toy/toy_tolerances.h"
#include "valley/objective/quadratic.h"
#include "valley/toy/landscapes.h"

namespace valley {
namespace {

QuadratureSettings settings_for(const WellsLoss& f) {
  QuadratureSettings settings;
  settings.length_scale = f.length_scale();
  return settings;
}

TEST(ToyExactHeatStep, QuadraticStepMatchesClosedForm) {
  // objective/quadratic.h: the x solving x − x_k + τA(x − m) = 0.
  const Landscape bowl = make_landscape("bowl");
  const WellsLoss f(bowl.loss);
  const Quadratic quadratic(bowl.loss.a, bowl.loss.m);
  for (const double tau : {0.05, 0.5}) {
    const RegularizedLosses losses(f, tau, settings_for(f));
    for (const Eigen::Vector2d& x_k : bowl.starts) {
      const HeatStepResult step = exact_heat_step(losses, x_k);
      EXPECT_LT((step.x - quadratic.heat_step(x_k, tau)).norm(), tol::kQuadrature) << "τ = " << tau;
      EXPECT_LE(step.n_iterations, 3);  // Newton is exact on a quadratic G
    }
  }
}

TEST(ToyExactHeatStep, StepIsALocalMinimizerOfTheDivergenceBelowTheStart) {
  // KL(φ_{x,τ}‖q_{x_k,τ}) = G(x) + const with G(x) = F^H_τ(x) + |x − x_k|²/(2τ)
  // (closed form here): G(x_{k+1}) ≤ G(x_k), h(x_{k+1}) = 0, and G grows in
  // every direction around x_{k+1}.
  const Landscape landscape = make_landscape("wells");
  const WellsLoss f(landscape.loss);
  const double tau = 0.05;
  const RegularizedLosses losses(f, tau, settings_for(f));
  for (const Eigen::Vector2d& x_k : {Eigen::Vector2d(-0.8, 0.75), Eigen::Vector2d(0.2, 0.1),
                                     Eigen::Vector2d(1.6, -1.2), Eigen::Vector2d(-2.0, -2.0)}) {
    const auto g = [&](const Eigen::Vector2d& x) {
      return f.heat_regularized(x, tau) + (x - x_k).squaredNorm() / (2 * tau);
    };
    const HeatStepResult step = exact_heat_step(losses, x_k);
    EXPECT_LT(step.residual, tol::kHeatResidual);
    EXPECT_LT((step.x - x_k + tau * f.heat_gradient(step.x, tau)).norm(), tol::kHeatResidual);
    EXPECT_LT(g(step.x), g(x_k));
    for (int i = 0; i < 8; ++i) {
      const double angle = 0.25 * 3.141592653589793 * i;
      EXPECT_GT(g(step.x + 1e-3 * Eigen::Vector2d(std::cos(angle), std::sin(angle))), g(step.x))
          << "direction " << i;
    }
  }
}

}  // namespace
}  // namespace valley
