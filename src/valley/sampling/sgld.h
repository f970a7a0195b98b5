// Algorithm 3, stochastic gradient Langevin dynamics, as an estimator of
// E_{q_{x,τ}}[X]. For j = 1 … J, from the chain's state y^{j−1}:
//   y^j = y^{j−1} − (ε_j/2) (∇f(y^{j−1}) + (y^{j−1} − x)/τ) + η_j,  η_j ∼ N(0, ε_j I)
//   μ ≈ Σ_j ε_j y^j / Σ_j ε_j,   ε_j = 1/(ε0 + j)
// Readings of what the paper leaves open: the chain continues from where the
// previous update's chain ended (§5.1.1: "initialized at the last iteration
// of the previous parameter update"), and starts at x the first time; ε_j
// restarts at j = 1 in every update; J = --samples gradient evaluations per
// update. d = parameters.
//
// The noise does not depend on the chain, so with two or more threads it is
// drawn one step ahead on a second thread while the first computes ∇f
// (backends/noise_ahead.h).
//
// A chain's J steps are the estimator's heavy part, a LangevinWork: on the
// CPU the steps above (sgld.cpp, the reference), on a device
// (backends/device.h) one sequence there (sampling/on_device.cpp:
// Device::langevin_chain), ∇f and the step of every coordinate included,
// with the same noise and step sizes (langevin_rate); the chains'
// continuation, their count and the averages below are the same for both.
//
// One chain is sequential: it cannot be spread over machines. With
// --sgld-chains C, C independent chains start at x (each continuing, update
// after update, from where it ended), chain c drawing its own noise, and
//   μ ≈ Σ_c Σ_j ε_j y_c^j / (C Σ_j ε_j).
// Each chain takes J steps, so an update costs C·J gradients; C = 1 is the
// estimator above, bit for bit. The chains are spread over the ranks of a
// distributed run (C is the user's, never R's).
//
// With a diagonal prior N(x, diag(s)) (--covariance diag, methods/
// local_entropy_diagonal.h) the chain samples q(y) ∝ exp(−f(y)) N(y; x, diag(s))
// instead: its coupling is (y − x) ⊘ s, coordinate by coordinate,
//   y^j = y^{j−1} − (ε_j/2) (∇f(y^{j−1}) + (y^{j−1} − x) ⊘ s) + η_j,
// and the same running averages give q's mean and per-coordinate variance:
//   μ ≈ Σ_j ε_j y^j / Σ_j ε_j,   Var_q[Y_i] ≈ Σ_j ε_j (y_i^j − x_i)² / Σ_j ε_j − (μ_i − x_i)²
// (centred at x, which the chain stays near, to keep the float sums exact
// enough). With C chains both averages run over every chain's steps. The
// noise, the chain's continuation and the cost are those above.
#pragma once

#include <cmath>
#include <memory>

#include "valley/backends/backend.h"
#include "valley/backends/device.h"
#include "valley/sampling/mean_estimator.h"
#include "valley/sampling/moments_estimator.h"

namespace valley {

struct SgldSettings {
  int64_t n_samples = 1000;  // J
  double eps_0 = 1000.0;     // ε0
  uint64_t seed = 1;
  // Alg. 3 draws η_j ∼ N(0, ε_j): variance ε_j, standard deviation √ε_j. With
  // this set, the standard deviation is ε_j instead — a reading under which
  // the paper's Table 1 SGLD row is reproduced (see docs/REPRODUCTION.md).
  bool noise_std_eps = false;
  int64_t n_chains = 1;  // C independent chains
};

// The standard deviation of η_j.
inline double sgld_noise_scale(const SgldSettings& settings, double eps) {
  return settings.noise_std_eps ? eps : std::sqrt(eps);
}

// Step j's ε_j/2, noise scale and ε_j, rounded to float as the step uses them.
LangevinRate langevin_rate(const SgldSettings& settings, int64_t j);

// One chain of Alg. 3 for one update, from its state y (updated in place):
// for j = 1 … J, ∇f(y) on f's inner batch j − 1, then the step with the
// chain's rate j and noise (LangevinChain, backends/device.h), accumulating
// Σ_j ε_j y^j into sums and, with a diagonal prior, Σ_j ε_j (y^j − x)² into
// squares (both set, not added to).
class LangevinWork {
 public:
  virtual ~LangevinWork() = default;
  virtual void run_chain(ConstVecRef x, const LangevinChain& chain, Objective& f, VecRef y, VecRef sums,
                         VecRef* squares) = 0;
};

// On the CPU (sgld.cpp).
std::unique_ptr<LangevinWork> cpu_langevin_work(const Backend& backend);
// On `device`, or on the CPU without one (sampling/on_device.cpp).
std::unique_ptr<LangevinWork> make_langevin_work(const Backend& backend, Device* device);

class Sgld final : public MeanEstimator, public MomentsEstimator {
 public:
  Sgld(SgldSettings settings, const Backend& backend, Device* device = nullptr);

  std::string name() const override { return "sgld"; }
  MeanEstimate estimate_mean(ConstVecRef x, double tau, Objective& f, uint64_t k, VecRef mean) override;
  MeanEstimate estimate_moments(ConstVecRef x, ConstVecRef s, Objective& f, uint64_t k, VecRef mean,
                                VecRef variance) override;
  nlohmann::json settings() const override;
  int64_t n_state_vectors() const override { return settings_.n_chains; }
  // The chains' states, one after another.
  std::vector<float> state() const override { return {chains_.data(), chains_.data() + chains_.size()}; }
  void restore_state(std::span<const float> state) override;

  // The (first) chain's current state (empty before the first update).
  ConstVecRef chain() const { return chains_.col(0); }
  // Continues the (single) chain from y (the projected sampler moves it
  // between coordinate systems).
  void set_chain(ConstVecRef y) { chains_ = y; }

 private:
  // The chain's prior: N(x, τI) (inv_s null) or N(x, diag(s)) (inv_s = 1/s).
  struct Prior {
    float inv_tau = 0.0f;
    const float* inv_s = nullptr;
  };
  // μ, and with `variance` the per-coordinate variances, from C chains.
  MeanEstimate estimate(ConstVecRef x, const Prior& prior, Objective& f, uint64_t k, VecRef mean,
                        VecRef* variance);
  void run_chain(int64_t c, ConstVecRef x, const Prior& prior, Objective& f, uint64_t k);

  SgldSettings settings_;
  std::unique_ptr<LangevinWork> work_;
  std::vector<LangevinRate> rates_;  // of steps 1 … J
  Samples chains_;                   // d × C: y of each chain, carried over between updates
  Samples sums_;                     // d × C: Σ_j ε_j y^j of each chain
  Samples squares_;                  // d × C: Σ_j ε_j (y^j − x)² of each chain (diagonal prior only)
  Vec inv_s_;                        // 1/s of the diagonal prior
};

}  // namespace valley
