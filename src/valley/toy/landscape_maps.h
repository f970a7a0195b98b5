// f, F_τ (eq. 2) and F^H_τ (§2.2) on an n × n grid over a box: the maps of
// Figures 1 and 2. Both regularizations are Gaussian convolutions,
//   F_τ = −log(exp(−f) ∗ φ_{0,τ}),   F^H_τ = f ∗ φ_{0,τ}   (eq. 5, §2.2),
// computed with the same trapezoid rule as numerics/gaussian_rule.h, but on one
// fine grid shared by all map points: the fine spacing h divides the map
// spacing and obeys the Gaussian rule's bound (h ≤ √τ δ), the fine grid
// extends the box by L√τ, and since φ_{0,τ} factorizes the 2-D sums are two
// passes of a 1-D kernel h φ_τ(t h), |t| ≤ ⌈L√τ/h⌉. At every map point this
// is a trapezoid rule centred there with nodes no farther apart than the
// point rule's, so it is as accurate, at a cost of O(n² L√τ/h) instead of
// O(n² (L√τ/h)²). exp(−f) is taken relative to its smallest exponent on the
// fine grid. Rows of the matrices index x1, columns x2.
#pragma once

#include <Eigen/Dense>

#include "valley/backends/backend.h"
#include "valley/numerics/gaussian_rule.h"
#include "valley/toy/wells_loss.h"

namespace valley {

struct MapGrid {
  Eigen::Vector2d lower, upper;  // the box
  int n = 121;                   // points per side, ≥ 2
  double coordinate(int i, int axis) const { return lower[axis] + (upper[axis] - lower[axis]) * i / (n - 1); }
};

struct LandscapeMaps {
  MapGrid grid;
  double tau = 0.0;
  Eigen::MatrixXd loss;           // f
  Eigen::MatrixXd local_entropy;  // F_τ
  Eigen::MatrixXd heat;           // F^H_τ
};

LandscapeMaps compute_landscape_maps(const WellsLoss& f, const MapGrid& grid, double tau,
                                     const QuadratureSettings& settings, const Backend& backend);

}  // namespace valley
