#include "valley/methods/heat.h"

#include <gtest/gtest.h>

#include <cmath>

#include "support/test_objectives.h"
#include "valley/random/philox_normal.h"

#include "valley/random/philox_normal.h"

namespace valley {
namespace {

using testing::make_quadratic;

Vec start_point() {
  Vec x(3);
  x << 2.0f, 1.0f, -1.0f;
  return x;
}

Vec heat_step(int64_t n_iterations, int64_t n_draws, double c, uint64_t seed, Objective& f) {
  const auto backend = make_cpu_backend(1);
  Heat heat({n_iterations, n_draws, c, 0.7, seed}, TauSchedule{TauSchedule::Kind::constant, 0.5, 0.0},
            *backend);
  Vec x = start_point();
  heat.step(x, f, 0);
  return x;
}

TEST(Heat, OneIterationFollowsEquation17) {
  // J = 1, M = 2: x^1 = x_k − a_1 {x_k − x_k + (τ/M) Σ_m ∇f(x_k + √τ ξ_m)}, a_1 = c.
  Quadratic f = make_quadratic();
  const Vec x1 = heat_step(1, 2, 0.3, 8, f);
  const Eigen::VectorXd xk = start_point().cast<double>();
  Eigen::VectorXd grad_sum = Eigen::VectorXd::Zero(3);
  for (uint64_t m = 0; m < 2; ++m) {
    Eigen::VectorXd z = xk;
    for (int i = 0; i < 3; ++i)
      z[i] += std::sqrt(0.5) * normal_at(NoiseKey{8, Stream::heat, 0, 1}, m * 3 + static_cast<uint64_t>(i));
    Vec grad(3);
    const Vec zf = z.cast<float>();
    f.gradient(zf, grad);
    grad_sum += grad.cast<double>();
  }
  const Eigen::VectorXd expected = xk - 0.3 * (0.5 / 2) * grad_sum;
  EXPECT_LT((x1.cast<double>() - expected).cwiseAbs().maxCoeff(), 1e-6);
  EXPECT_EQ(f.counts().n_gradient, 2 + 2);  // two in the method, two here
}

TEST(Heat, RobbinsMonroConvergesToTheClosedFormFixedPoint) {
  // The zero of h(x) = x − x_k + τ A (x − m) (§5.2). The Robbins–Monro error
  // after J steps is O(√a_J) ≈ 0.03 here; the starting error is about 1.
  Quadratic f = make_quadratic();
  const Eigen::VectorXd exact = f.heat_step(start_point().cast<double>(), 0.5);
  const double error_long = (heat_step(3000, 10, 0.5, 2, f).cast<double>() - exact).norm();
  const double error_short = (heat_step(3, 10, 0.5, 2, f).cast<double>() - exact).norm();
  EXPECT_LT(error_long, 0.05);
  EXPECT_LT(error_long, error_short / 5);
}

TEST(Heat, UsesMTimesJGradients) {
  Quadratic f = make_quadratic();
  heat_step(7, 4, 0.1, 1, f);
  EXPECT_EQ(f.counts().n_gradient, 28);
  EXPECT_EQ(f.counts().n_loss, 0);
}

}  // namespace
}  // namespace valley
