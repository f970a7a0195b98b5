// Theorems 1–4 and eq. 12 on the toy landscapes, with every quantity by
// quadrature (the theorems hold exactly; the tolerances are the quadrature's).
#include <cmath>
#include <limits>
#include <memory>
#include <random>

#include <gtest/gtest.h>

#include "toy/toy_tolerances.h"
#include "valley/backends/backend.h"
#include "valley/methods/local_entropy.h"
#include "valley/sampling/quadrature_mean.h"
#include "valley/toy/landscapes.h"
#include "valley/toy/regularized_losses.h"
#include "valley/toy/theorem_checks.h"
#include "valley/toy/trajectories.h"
#include "valley/toy/variational_terms.h"

namespace valley {
namespace {

std::vector<Eigen::Vector2d> random_points(const Landscape& landscape, int n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u1(landscape.lower[0], landscape.upper[0]);
  std::uniform_real_distribution<double> u2(landscape.lower[1], landscape.upper[1]);
  std::vector<Eigen::Vector2d> points;
  for (int i = 0; i < n; ++i) {
    const double a = u1(rng);
    points.emplace_back(a, u2(rng));
  }
  return points;
}

QuadratureSettings settings_for(const WellsLoss& f) {
  QuadratureSettings settings;
  settings.length_scale = f.length_scale();
  return settings;
}

Eigen::Vector2d local_entropy_gradient_fd(const RegularizedLosses& losses, const Eigen::Vector2d& x) {
  const double h = tol::kDifferenceStep;
  Eigen::Vector2d grad;
  for (int i = 0; i < 2; ++i) {
    Eigen::Vector2d up = x, down = x;
    up[i] += h;
    down[i] -= h;
    grad[i] = (losses.local_entropy(up) - losses.local_entropy(down)) / (2 * h);
  }
  return grad;
}

constexpr double kTau = 0.05;

class ToyTheorems : public ::testing::TestWithParam<std::string> {};

TEST_P(ToyTheorems, Theorem1And3IdentitiesHoldAtRandomPoints) {
  // eq. 8: F_τ(x) = E_q f + KL(q‖φ_{x,τ}); eq. 13: F^H_τ(x) = log E_q e^f + KL(φ_{x,τ}‖q), q = q_{x,τ}.
  const Landscape landscape = make_landscape(GetParam());
  const WellsLoss f(landscape.loss);
  const RegularizedLosses losses(f, kTau, settings_for(f));
  for (const Eigen::Vector2d& x : random_points(landscape, 20, 21)) {
    const RegularizedValues values = losses.at(x);
    const VariationalTerms terms = variational_terms(f, x, kTau, settings_for(f));
    EXPECT_NEAR(values.local_entropy, terms.theorem_1(),
                tol::kIdentityRelative * std::max(1.0, std::abs(values.local_entropy)))
        << "x = " << x.transpose();
    EXPECT_NEAR(values.heat, terms.theorem_3(), tol::kIdentityRelative * std::max(1.0, std::abs(values.heat)))
        << "x = " << x.transpose();
    // Both divergences are positive away from a Gaussian q, so neither side is trivial.
    EXPECT_GT(terms.kl_q_phi, 0.0);
    EXPECT_GT(terms.kl_phi_q, 0.0);
  }
}

TEST_P(ToyTheorems, Eq12GradientIsShiftToMeanOverTau) {
  // eq. 12: ∇F_τ(x) = (x − E_q X)/τ against central differences of F_τ.
  const Landscape landscape = make_landscape(GetParam());
  const WellsLoss f(landscape.loss);
  const RegularizedLosses losses(f, kTau, settings_for(f));
  for (const Eigen::Vector2d& x : random_points(landscape, 20, 22)) {
    const Eigen::Vector2d grad = (x - losses.at(x).mean_of_q) / kTau;
    EXPECT_LT((grad - local_entropy_gradient_fd(losses, x)).cwiseAbs().maxCoeff(), tol::kGradient)
        << "x = " << x.transpose();
  }
}

// Along trajectories: `wells` (sharp and wide wells) and `bowl` (closed form).
// `field` costs ~10× more per step (nine wells, finer nodes); `valley
// landscape --check-theorems --loss field` runs the same checks on it.
class ToyTheoremsAlongTrajectories : public ::testing::TestWithParam<std::string> {};

TEST_P(ToyTheoremsAlongTrajectories,
       Theorem2ExactAlgorithm1DecreasesLocalEntropyAndStopsOnlyAtCriticalPoints) {
  // 20 random starts × 50 steps. Majorization–minimization (§3.2) gives
  // F_τ(x_{k+1}) ≤ F_τ(x_k) − |x_{k+1} − x_k|²/(2τ): monotone, and F_τ stalls
  // only where x stops, which by eq. 12 is where ∇F_τ = 0.
  const Landscape landscape = make_landscape(GetParam());
  WellsLoss f(landscape.loss);
  const RegularizedLosses losses(f, kTau, settings_for(f));
  const std::unique_ptr<Backend> backend = make_cpu_backend(1);
  TrajectorySettings settings;
  settings.tau = kTau;
  settings.n_steps = 50;
  settings.quadrature = settings_for(f);
  double last_move = 0.0;
  for (const Eigen::Vector2d& start : random_points(landscape, 20, 23)) {
    const Trajectory alg1 = run_trajectory("alg1-exact", f, losses, start, settings, *backend);
    ASSERT_EQ(alg1.points.size(), 51u);
    double before = losses.local_entropy(alg1.points[0]);
    for (std::size_t k = 0; k + 1 < alg1.points.size(); ++k) {
      const double after = losses.local_entropy(alg1.points[k + 1]);
      const double move = (alg1.points[k + 1] - alg1.points[k]).norm();
      EXPECT_LE(after, before + tol::kMonotone) << "start " << start.transpose() << " step " << k;
      EXPECT_LE(after - before + move * move / (2 * kTau), tol::kMonotone) << "step " << k;
      EXPECT_NEAR(move, kTau * local_entropy_gradient_fd(losses, alg1.points[k]).norm(), tol::kGradient)
          << "step " << k;
      before = after;
    }
    last_move = std::max(last_move, (alg1.points.back() - alg1.points[alg1.points.size() - 2]).norm());
  }
  EXPECT_GT(last_move, 0.0);  // the runs had not all stopped: the checks saw real moves
}

TEST_P(ToyTheoremsAlongTrajectories, Theorem4ExactAlgorithm2DecreasesHeatRegularization) {
  // 20 random starts × 50 steps; x_{k+1} minimizes F^H_τ(x) + |x − x_k|²/(2τ), so
  // F^H_τ(x_{k+1}) ≤ F^H_τ(x_k) − |x_{k+1} − x_k|²/(2τ). F^H_τ here is the closed form,
  // independent of the quadrature inside the step.
  const Landscape landscape = make_landscape(GetParam());
  WellsLoss f(landscape.loss);
  const RegularizedLosses losses(f, kTau, settings_for(f));
  const std::unique_ptr<Backend> backend = make_cpu_backend(1);
  TrajectorySettings settings;
  settings.tau = kTau;
  settings.n_steps = 50;
  settings.quadrature = settings_for(f);
  for (const Eigen::Vector2d& start : random_points(landscape, 20, 24)) {
    const Trajectory alg2 = run_trajectory("alg2-exact", f, losses, start, settings, *backend);
    for (std::size_t k = 0; k + 1 < alg2.points.size(); ++k) {
      const Eigen::Vector2d& x_k = alg2.points[k];
      const Eigen::Vector2d& x_next = alg2.points[k + 1];
      const double before = f.heat_regularized(x_k, kTau), after = f.heat_regularized(x_next, kTau);
      EXPECT_LE(after, before + tol::kMonotone) << "start " << start.transpose() << " step " << k;
      EXPECT_LE(after - before + (x_next - x_k).squaredNorm() / (2 * kTau), tol::kMonotone) << "step " << k;
      // §5.2: h(x_{k+1}) = x_{k+1} − x_k + τ ∇F^H_τ(x_{k+1}) = 0
      EXPECT_LT((x_next - x_k + kTau * f.heat_gradient(x_next, kTau)).norm(), tol::kHeatResidual)
          << "step " << k;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Landscapes, ToyTheorems, ::testing::Values("wells", "field", "bowl"));
INSTANTIATE_TEST_SUITE_P(Landscapes, ToyTheoremsAlongTrajectories, ::testing::Values("wells", "bowl"));

TEST(ToyTheoremChecks, OverRelaxedAlgorithm1IsCaughtIncreasingLocalEntropy) {
  // The monotonicity check can fail: gradient descent on F_τ with η = 6τ
  // (eq. 11, Remark 1) overshoots near the sharp well, where ∇²F_τ ≈ I/(2τ)
  // and η·∇²F_τ ≈ 3 > 2.
  const Landscape landscape = make_landscape("wells");
  WellsLoss f(landscape.loss);
  const RegularizedLosses losses(f, kTau, settings_for(f));
  LocalEntropy over_relaxed(std::make_unique<QuadratureMean>(settings_for(f)),
                            TauSchedule{TauSchedule::Kind::constant, kTau, 0.0}, 6.0 * kTau);
  Vec x(2);
  x << -0.8f, 0.7f;
  double worst_increase = -std::numeric_limits<double>::infinity();
  for (uint64_t k = 0; k < 20; ++k) {
    const double before = losses.local_entropy(x.cast<double>());
    over_relaxed.step(x, f, k);
    worst_increase = std::max(worst_increase, losses.local_entropy(x.cast<double>()) - before);
  }
  EXPECT_GT(worst_increase, 1e3 * tol::kMonotone);
}

TEST(ToyTheoremChecks, TableReportsEveryCheckPassingOnTheLandscapes) {
  const std::unique_ptr<Backend> backend = make_cpu_backend(2);
  TheoremCheckSettings settings;
  settings.n_points = 5;
  settings.n_starts = 4;
  settings.n_steps = 10;
  for (const char* name : {"wells", "bowl"}) {
    const std::vector<CheckRow> rows = check_theorems(make_landscape(name), settings, *backend);
    ASSERT_EQ(rows.size(), 9u);
    for (const CheckRow& row : rows) {
      EXPECT_TRUE(row.passed()) << name << ": " << row.claim << " worst " << row.worst;
      EXPECT_GT(row.n_cases, 0);
    }
    const std::string table = format_check_table(rows);
    EXPECT_NE(table.find("Theorem 1"), std::string::npos);
    EXPECT_NE(table.find("Theorem 4"), std::string::npos);
    EXPECT_EQ(table.find("FAIL"), std::string::npos);
  }
  // A row fails when its worst case exceeds the tolerance.
  EXPECT_FALSE((CheckRow{"x", 1, 2e-10, 1e-10}).passed());
}

}  // namespace
}  // namespace valley
