// Every flatness measure of one trained network x*, on the loss of a fixed
// subset (flatness/subset_net.h), with the draws, probes and directions that
// every run shares (counter-based from one seed, Stream::flatness with k
// naming the use), so two runs are compared on the same noise:
//   k = 1  the profile draws ξ_j (also the PAC-Bayes draws)
//   k = 2  Lanczos start vectors (one per SLQ run)
//   k = 3  Hutchinson's Rademacher probes
//   k = 4  the landscape directions (before filter normalization)
//   k = 5  the random starts of the ε-sharpness ascent
// What is measured and why: docs/FLATNESS.md.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "valley/flatness/entropy_profiles.h"
#include "valley/flatness/spectral_density.h"
#include "valley/flatness/subset_net.h"

namespace valley {

struct FlatnessSettings {
  bool quick = false;
  uint64_t seed = 1;
  int n_draws = 64;          // M, draws per profile point
  std::vector<double> taus;  // the profile's τ grid
  double heat_delta = 0.1;   // heat width: largest τ with ΔF^H_τ ≤ δ
  int width_steps = 14;      // bisection steps in log τ on [1e-8, 1]
  int lanczos_steps = 80;    // m
  int slq_runs = 3;          // n_v (the first is the eigenvalue run)
  int hutchinson_probes = 50;
  int n_top = 5;
  int n_directions = 5;       // 1-D filter-normalized curves
  int n_points_1d = 51;       // α ∈ [−1, 1]
  int grid_2d = 41;           // (α, β) ∈ [−1, 1]²
  int n_points_between = 41;  // α ∈ [−0.5, 1.5]
  std::vector<double> epsilons{1e-3, 5e-4};
  int sharpness_steps = 20;
  int pac_bayes_samples = 10;
  int pac_bayes_steps = 12;
  double pac_bayes_target = 0.1;    // accuracy drop
  double magnitude_epsilon = 1e-3;  // Jiang et al.'s ε in σ²x_i² + ε²

  static FlatnessSettings defaults(bool quick);
  nlohmann::json to_json() const;
};

// One point of a loss landscape: x* + αd₁ (+ βd₂), and the subset loss and
// accuracy there.
struct LandscapePoint {
  double alpha = 0.0;
  double beta = 0.0;
  SubsetNet::Score score;
};

struct RunMeasures {
  nlohmann::json json;     // the measures, as flatness.json holds them
  nlohmann::json seconds;  // wall time of each part
  std::vector<ProfilePoint> profiles;
  std::vector<double> laplace_local_entropy, laplace_heat;  // per τ
  QuadratureNodes spectrum;
  std::vector<std::vector<LandscapePoint>> curves_1d;  // per direction
  std::vector<LandscapePoint> grid_2d;                 // α-major
};

using ProgressFn = std::function<void(const std::string& part)>;

RunMeasures measure_run(SubsetNet& net, const Vec& x, const FlatnessSettings& settings,
                        const ProgressFn& progress);

// f((1 − α) x_a + α x_b) for α on [−0.5, 1.5] (Goodfellow et al. 2015; Li et al.'s 1-D
// interpolation between two minimizers).
std::vector<LandscapePoint> interpolate(SubsetNet& net, const Vec& x_a, const Vec& x_b, int n_points);

// Per layer: |W_l| (Frobenius) and |b_l|.
nlohmann::json weight_norms(const NetSpec& spec, const Vec& x);

}  // namespace valley
