// Theorems 1–4 and eq. 12 checked numerically on a toy loss, with exact
// (quadrature) steps — what `valley landscape --check-theorems` prints:
//   Theorem 1 (eq. 8)   F_τ(x) = E_q f + KL(q ‖ φ_{x,τ}),  q = q_{x,τ}, at random x
//   Theorem 3 (eq. 13)  F^H_τ(x) = log E_q exp(f) + KL(φ_{x,τ} ‖ q), at random x
//   eq. 12              ∇F_τ(x) = (x − E_q X)/τ, against central differences of F_τ
//   Theorem 2           along Algorithm 1 from random starts: F_τ never increases;
//                       more sharply (majorization–minimization, §3.2)
//                       F_τ(x_{k+1}) ≤ F_τ(x_k) − |x_{k+1} − x_k|²/(2τ); and a step
//                       vanishes only at a critical point: |x_{k+1} − x_k| = τ|∇F_τ(x_k)|
//   Theorem 4           along Algorithm 2: F^H_τ never increases, and
//                       F^H_τ(x_{k+1}) ≤ F^H_τ(x_k) − |x_{k+1} − x_k|²/(2τ)
//                       (x_{k+1} minimizes F^H_τ(x) + |x − x_k|²/(2τ)); |h(x_{k+1})| ≈ 0
// Each check's tolerance is the accuracy of the numbers it compares (see
// TheoremTolerances), so a pass means the theorem holds to that accuracy.
#pragma once

#include <string>
#include <vector>

#include "valley/backends/backend.h"
#include "valley/toy/landscapes.h"
#include "valley/toy/trajectories.h"

namespace valley {

struct TheoremTolerances {
  // Theorems 1 and 3, relative to max(1, |F|): both sides come from
  // quadratures accurate to 1e-10 (measured: ≤ 5e-12, docs/LANDSCAPES.md).
  double identity_relative = 1e-9;
  // eq. 12: central differences with step 1e-5 have truncation error
  // h² |∇³F_τ|/6 ≲ 1e-10 · 100 and rounding error 1e-16/h ≈ 1e-11.
  double gradient = 1e-6;
  // Theorems 2 and 4: the allowed increase of F_τ or F^H_τ per step: the
  // quadrature's stated accuracy (1e-10, docs/LANDSCAPES.md); rounding
  // x_{k+1} to float in Algorithm 1 adds at most (6e-8 |x|)²/(2τ) ≈ 1e-12
  // (see the top of toy/theorem_checks.cpp).
  double monotone = 1e-10;
  // Theorem 2 stationarity: | |x_{k+1} − x_k| − τ|∇F_τ(x_k)| | with ∇F_τ by
  // central differences (τ · 1e-6) and x_{k+1} rounded to float (6e-8 · 3).
  double stationarity = 1e-6;
  // |h(x_{k+1})| of the exact Algorithm 2 step (Newton stops at 1e-11, or
  // earlier where the quadrature's rounding stops G from decreasing).
  double heat_residual = 1e-8;
};

struct TheoremCheckSettings {
  double tau = 0.05;
  int n_points = 20;  // random x for Theorems 1, 3 and eq. 12
  int n_starts = 20;  // random starts of Algorithms 1 and 2
  int n_steps = 50;   // steps from each start
  uint64_t seed = 1;
  QuadratureSettings quadrature;  // length_scale is taken from the loss
  TheoremTolerances tolerances;
};

struct CheckRow {
  std::string claim;
  int64_t n_cases = 0;
  double worst = 0.0;  // the largest error (or increase) over the cases
  double tolerance = 0.0;
  bool passed() const { return worst <= tolerance; }
};

std::vector<CheckRow> check_theorems(const Landscape& landscape, const TheoremCheckSettings& settings,
                                     const Backend& backend);

// The rows as a fixed-width table, one line per check.
std::string format_check_table(const std::vector<CheckRow>& rows);

}  // namespace valley
