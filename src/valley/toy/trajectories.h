// Trajectories x_0, x_1, …, x_K of the two-step schemes on a toy loss, from a
// given start, with exact steps or with the paper's Monte Carlo estimators:
//   alg1-exact   Algorithm 1, E_{q_{x_k,τ}}X by quadrature: the LocalEntropy
//                method with the QuadratureMean estimator
//   sgld, is     Algorithm 1 with SGLD (Alg. 3) or importance sampling (Alg. 4)
//                estimates of E_q X, S samples per update
//   alg2-exact   Algorithm 2, x_{k+1} the minimizer of KL(φ_{x,τ} ‖ q_{x_k,τ})
//                found by toy/exact_heat_step.h
//   heat-rm      Algorithm 2 with Robbins–Monro (Alg. 5), M = J = ⌊√S⌋
// The Monte Carlo methods are built by make_method from the same settings as
// `valley train`; they run in float on the loss's Objective interface.
#pragma once

#include <string>
#include <vector>

#include <Eigen/Dense>

#include "valley/backends/backend.h"
#include "valley/toy/exact_heat_step.h"
#include "valley/toy/wells_loss.h"

namespace valley {

struct TrajectorySettings {
  double tau = 0.05;
  int64_t n_steps = 100;    // K
  int64_t n_samples = 100;  // S
  uint64_t seed = 1;
  QuadratureSettings quadrature;  // with length_scale set to the loss's
  HeatSolveSettings heat_solve;
};

struct Trajectory {
  std::string method;
  int start = 0;                          // index of x_0 among the starts
  std::vector<Eigen::Vector2d> points;    // x_0 … x_K
  double max_residual = 0.0;              // alg2-exact: the largest |h(x_{k+1})|; else 0
  std::vector<RegularizedValues> values;  // F_τ, F^H_τ, … at each point (run_trajectories only)
};

// The method names above, in the order of the figures.
std::vector<std::string> trajectory_methods();

// One trajectory of `method` from `start`. `losses` must be built on f with
// settings.tau; it serves alg2-exact.
Trajectory run_trajectory(const std::string& method, WellsLoss& f, const RegularizedLosses& losses,
                          const Eigen::Vector2d& start, const TrajectorySettings& settings,
                          const Backend& backend);

// Every method from every start, start by start, with the regularized losses
// at each point; the (start, method) runs are spread over the backend's
// threads, each with its own copy of the loss.
std::vector<Trajectory> run_trajectories(const WellsSettings& loss,
                                         const std::vector<Eigen::Vector2d>& starts,
                                         const TrajectorySettings& settings, const Backend& backend);

}  // namespace valley
