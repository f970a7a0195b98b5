// Rounding in Algorithm 1: LocalEntropy keeps x in float, so x_{k+1} is
// E_q X plus a rounding error e with |e| ≤ 6e-8 |x|. By the majorization of
// §3.2, F_τ(μ + e) ≤ F_τ(x_k) − |x_k − μ|²/(2τ) + ∇F_τ·e + O(|e|²), and the
// worst case over step lengths of an increase is of order |e|²/(2τ) ≈ 1e-12
// for |x| ≤ 3 and τ ≥ 0.01: far below the quadrature tolerance.
#include "valley/toy/theorem_checks.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include <fmt/format.h>

#include "valley/toy/regularized_losses.h"
#include "valley/toy/variational_terms.h"

namespace valley {
namespace {

constexpr double kDifferenceStep = 1e-5;
// The starting "worst increase", below any real one (a decrease is negative).
constexpr double kNoIncreaseYet = -std::numeric_limits<double>::infinity();

// ∇F_τ(x) by central differences of the quadrature F_τ.
Eigen::Vector2d local_entropy_gradient_fd(const RegularizedLosses& losses, const Eigen::Vector2d& x) {
  Eigen::Vector2d grad;
  for (int i = 0; i < 2; ++i) {
    Eigen::Vector2d up = x, down = x;
    up[i] += kDifferenceStep;
    down[i] -= kDifferenceStep;
    grad[i] = (losses.local_entropy(up) - losses.local_entropy(down)) / (2 * kDifferenceStep);
  }
  return grad;
}

std::vector<Eigen::Vector2d> random_points(const Landscape& landscape, int n, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u1(landscape.lower[0], landscape.upper[0]);
  std::uniform_real_distribution<double> u2(landscape.lower[1], landscape.upper[1]);
  std::vector<Eigen::Vector2d> points;
  for (int i = 0; i < n; ++i) {
    const double a = u1(rng);
    points.emplace_back(a, u2(rng));
  }
  return points;
}

}  // namespace

std::vector<CheckRow> check_theorems(const Landscape& landscape, const TheoremCheckSettings& settings,
                                     const Backend& backend) {
  WellsLoss f(landscape.loss);
  QuadratureSettings quadrature = settings.quadrature;
  quadrature.length_scale = std::min(quadrature.length_scale, f.length_scale());
  const double tau = settings.tau;
  const RegularizedLosses losses(f, tau, quadrature);
  const TheoremTolerances& tol = settings.tolerances;
  std::mt19937_64 rng(settings.seed);

  CheckRow theorem_1{"Theorem 1: F_τ = E_q f + KL(q‖φ), relative error", settings.n_points, 0.0,
                     tol.identity_relative};
  CheckRow theorem_3{"Theorem 3: F^H_τ = log E_q e^f + KL(φ‖q), relative error", settings.n_points, 0.0,
                     tol.identity_relative};
  CheckRow eq_12{"eq. 12: ∇F_τ = (x − E_q X)/τ vs central differences", settings.n_points, 0.0, tol.gradient};
  for (const Eigen::Vector2d& x : random_points(landscape, settings.n_points, rng)) {
    const RegularizedValues values = losses.at(x);
    const VariationalTerms terms = variational_terms(f, x, tau, quadrature);
    theorem_1.worst = std::max(theorem_1.worst, std::abs(values.local_entropy - terms.theorem_1()) /
                                                    std::max(1.0, std::abs(values.local_entropy)));
    theorem_3.worst = std::max(
        theorem_3.worst, std::abs(values.heat - terms.theorem_3()) / std::max(1.0, std::abs(values.heat)));
    const Eigen::Vector2d grad = (x - values.mean_of_q) / tau;  // eq. 12
    eq_12.worst = std::max(eq_12.worst, (grad - local_entropy_gradient_fd(losses, x)).cwiseAbs().maxCoeff());
  }

  const int64_t n_moves = static_cast<int64_t>(settings.n_starts) * settings.n_steps;
  CheckRow theorem_2{"Theorem 2: max increase of F_τ along Alg. 1 (exact)", n_moves, kNoIncreaseYet,
                     tol.monotone};
  CheckRow theorem_2_mm{"Theorem 2: F_τ(x_k+1) − F_τ(x_k) + |Δx|²/(2τ) ≤ 0", n_moves, kNoIncreaseYet,
                        tol.monotone};
  CheckRow stationarity{"Theorem 2: | |Δx| − τ|∇F_τ(x_k)| |: moves iff not critical", n_moves, 0.0,
                        tol.stationarity};
  CheckRow theorem_4{"Theorem 4: max increase of F^H_τ along Alg. 2 (exact)", n_moves, kNoIncreaseYet,
                     tol.monotone};
  CheckRow theorem_4_mm{"Theorem 4: F^H_τ(x_k+1) − F^H_τ(x_k) + |Δx|²/(2τ) ≤ 0", n_moves, kNoIncreaseYet,
                        tol.monotone};
  CheckRow residual{"Alg. 2 exact step: |h(x_k+1)| (§5.2)", n_moves, 0.0, tol.heat_residual};
  TrajectorySettings trajectory;
  trajectory.tau = tau;
  trajectory.n_steps = settings.n_steps;
  trajectory.quadrature = quadrature;
  for (const Eigen::Vector2d& start : random_points(landscape, settings.n_starts, rng)) {
    const Trajectory alg1 = run_trajectory("alg1-exact", f, losses, start, trajectory, backend);
    double previous = losses.local_entropy(alg1.points[0]);
    for (std::size_t k = 0; k + 1 < alg1.points.size(); ++k) {
      const double next = losses.local_entropy(alg1.points[k + 1]);
      const double move = (alg1.points[k + 1] - alg1.points[k]).norm();
      theorem_2.worst = std::max(theorem_2.worst, next - previous);
      theorem_2_mm.worst = std::max(theorem_2_mm.worst, next - previous + move * move / (2 * tau));
      stationarity.worst =
          std::max(stationarity.worst,
                   std::abs(move - tau * local_entropy_gradient_fd(losses, alg1.points[k]).norm()));
      previous = next;
    }
    const Trajectory alg2 = run_trajectory("alg2-exact", f, losses, start, trajectory, backend);
    residual.worst = std::max(residual.worst, alg2.max_residual);
    previous = losses.heat(alg2.points[0]);
    for (std::size_t k = 0; k + 1 < alg2.points.size(); ++k) {
      const double next = losses.heat(alg2.points[k + 1]);
      const double move = (alg2.points[k + 1] - alg2.points[k]).norm();
      theorem_4.worst = std::max(theorem_4.worst, next - previous);
      theorem_4_mm.worst = std::max(theorem_4_mm.worst, next - previous + move * move / (2 * tau));
      previous = next;
    }
  }
  return {theorem_1,    theorem_3, eq_12,        theorem_2, theorem_2_mm,
          stationarity, theorem_4, theorem_4_mm, residual};
}

std::string format_check_table(const std::vector<CheckRow>& rows) {
  std::string out =
      fmt::format("{:<58} {:>6} {:>11} {:>10}  {}\n", "check", "cases", "worst", "tolerance", "result");
  for (const CheckRow& row : rows)
    out += fmt::format("{:<58} {:>6} {:>11.3e} {:>10.1e}  {}\n", row.claim, row.n_cases, row.worst,
                       row.tolerance, row.passed() ? "pass" : "FAIL");
  return out;
}

}  // namespace valley
