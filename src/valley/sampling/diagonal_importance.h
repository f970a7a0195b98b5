// Importance sampling of the first two moments of
//   q(y) ∝ exp(−β f(y)) N(y; x, diag(s))
// for Algorithm 1 with a diagonal covariance (docs/METHODS.md):
//   y^j = x + √s ⊙ ξ_j,  ξ_j ∼ N(0, I),  w^j = exp(−β f(y^j))
//   m   = x + √s ⊙ Σ_j w^j ξ_j / Σ_j w^j
//   v_i = s_i (Σ_j w^j ξ_ij² / Σ_j w^j − (Σ_j w^j ξ_ij / Σ_j w^j)²)
// the same weighted samples for both moments. With s = τ·1 the samples, the
// weights and m are exactly those of Algorithm 4 (sampling/importance.h):
// the same stream, the same blocks, the same merge order. The perturbed
// evaluations are made with σ = 1 and the scaled noise √s ⊙ ξ_j. The
// projected sampler does not apply: it draws the noise the minibatch cannot
// see in closed form, which needs the same variance in every direction.
#pragma once

#include <vector>

#include "valley/backends/backend.h"
#include "valley/numerics/logsumexp.h"
#include "valley/sampling/importance.h"
#include "valley/sampling/moments_estimator.h"

namespace valley {

class DiagonalImportance final : public MomentsEstimator {
 public:
  DiagonalImportance(ImportanceSettings settings, const Backend& backend);

  std::string name() const override { return "is"; }
  // Writes E_q[Y] into mean and Var_q[Y_i] into variance, for prior variances
  // s; the estimate's ess is (Σw)²/Σw².
  MeanEstimate estimate_moments(ConstVecRef x, ConstVecRef s, Objective& f, uint64_t k, VecRef mean,
                                VecRef variance) override;
  nlohmann::json settings() const override {
    return {{"estimator", "is"}, {"samples", settings_.n_samples}, {"beta", settings_.beta}};
  }

 private:
  ImportanceSettings settings_;
  const Backend& backend_;
  Vec sum_, sum_sq_, sd_;                 // Σ w ξ, Σ w ξ², √s
  std::vector<Vec> xi_, scaled_;          // per worker: ξ_j and √s ⊙ ξ_j
  std::vector<Vec> block_, block_sq_;     // per worker: the block's sums
  std::vector<LogSumExp> block_weights_;  // per worker: the block's Σ w^j
};

}  // namespace valley
