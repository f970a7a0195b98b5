// Settings of every method, grouped by method. Defaults are the paper's
// settings (§6.2, Fig. 4) and DESIGN's readings of what the paper leaves open.
// Each group's field table (key, help, check; methods/method_table.h) lives
// beside the code that reads the group: the command line, config.json,
// experiment files, validation and Python all read the tables, so a member
// and its default here plus a row there is the whole of a new setting.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "valley/methods/method_names.h"
#include "valley/schedules/tau_schedule.h"

namespace valley {

// The settings of methods/sam.h, as the method takes them (their table:
// sam_settings() in methods/sam.cpp).
struct SamSettings {
  double rho = 0.05;       // ‖ε̂‖ = ρ (SAM), ‖T_w⁻¹ ε̂‖ = ρ (ASAM)
  bool adaptive = false;   // ASAM (Kwon et al. 2021)
  double asam_eta = 0.01;  // T_w = |w| + η
};

// The settings of methods/entropy_sgd.h, as the method takes them (their
// table: entropy_sgd_settings() in methods/entropy_sgd.cpp).
struct EntropySgdSettings {
  int64_t n_langevin = 20;  // L (reference: -L)
  double gamma_0 = 1e-4;    // γ_k = γ0 (1 + γ1)^k (reference: --gamma)
  double gamma_1 = 1e-3;    // (reference: --scoping)
  double noise = 1e-4;      // ε, thermal noise (reference: --noise)
  double inner_lr = 0.1;    // η' (reference: langevin lr = 0.1)
  double beta_1 = 0.75;     // μ ← β1 μ + (1 − β1) w (reference: langevin beta1 = 0.75)
  // Not a setting of its own: make_method copies MethodConfig::seed here.
  uint64_t seed = 1;
};

struct MethodConfig {
  std::string name = "sgd";  // sgd | sgld | is | heat | sam | entropy-sgd
  uint64_t seed = 1;

  struct {
    double lr = 0.01;  // x ← x − lr ∇f(x)
  } sgd;

  // The base optimizer of sgd, sam and entropy-sgd (methods/base_optimizer.h).
  // Unset momentum / nesterov take the method's default: none for sgd and sam,
  // Nesterov 0.9 for entropy-sgd (its reference's train.py).
  struct {
    std::optional<double> momentum;
    std::optional<bool> nesterov;
    double weight_decay = 0.0;
    std::vector<int64_t> lr_drops;  // updates k at which lr is multiplied by lr_drop_factor
    // The same drops given as epochs (schedules/lr_drops.h); the trainer, which
    // knows the training set's size, turns them into lr_drops.
    std::vector<int64_t> lr_drop_epochs;
    double lr_drop_factor = 0.1;
  } base;

  SamSettings sam;

  EntropySgdSettings entropy_sgd;

  struct {
    double tau = 0.01;               // τ (also τ0 of a schedule unless tau_0 is set)
    std::string schedule = "const";  // const | scoping | reverse-scoping (eq. 18)
    std::optional<double> tau_0;     // τ0 of a schedule
    double tau_1 = 0.01;             // τ1 of a schedule
    std::optional<double> eta;       // outer step η of Alg. 1; none: η = τ(k)
  } regularization;

  // --samples S: J for SGLD and IS (default 1000); for heat M = J = ⌊√S⌋ (Fig. 6).
  std::optional<int64_t> n_samples;

  struct {
    double eps_0 = 1000.0;           // ε_j = 1/(ε0 + j)
    std::string noise = "variance";  // η_j ∼ N(0, ε_j) as written, or "stddev": N(0, ε_j²)
    int64_t chains = 1;              // C independent chains (sampling/sgld.h)
  } sgld;

  struct {
    double beta = 1.0;  // weights exp(−β f)
  } is;

  // Alg. 1's Gaussians: iso = N(x, τI) (the paper); diag = N(x, diag(s)) with
  // s updated to q's per-coordinate variance, clipped to [tau_min, tau_max]
  // (methods/local_entropy_diagonal.h). IS and SGLD, with the full sampler.
  struct {
    std::string kind = "iso";
    double tau_min = 1e-6;
    double tau_max = 1.0;
  } covariance;

  struct {
    std::optional<int64_t> n_iterations;  // J (default 30)
    std::optional<int64_t> n_draws;       // M (default 30)
    double c = 0.1;                       // a_j = c j^(−α)
    double alpha = 0.7;
  } heat;

  // full: every sample draws all d coordinates (the paper); projected: the
  // exact row-space reduction (methods/projected_heat.h, sampling/projected_*.h);
  // auto: projected wherever it is exact (see the trainer).
  std::string sampler = "auto";

  int64_t sgd_first = 0;  // plain SGD (step --lr) for this many updates first (Fig. 5)

  TauSchedule tau_schedule() const;
  double momentum() const { return base.momentum.value_or(name == method_name::kEntropySgd ? 0.9 : 0.0); }
  bool nesterov() const { return base.nesterov.value_or(name == method_name::kEntropySgd); }
  int64_t sgld_is_samples() const { return n_samples.value_or(1000); }
  int64_t heat_iterations() const;
  int64_t heat_draws() const;
};

// Checks every setting (each field's check, then each group's), whatever
// the method; errors name the flag.
void validate(const MethodConfig& config);

}  // namespace valley
