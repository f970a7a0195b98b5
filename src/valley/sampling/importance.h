// Algorithm 4, importance sampling, as a gradient-free estimator of
// E_{q_{x,τ}}[X]:
//   x^j = x + √τ ξ_j,  ξ_j ∼ N(0, I),  j = 1 … J        (x^j ∼ φ_{x,τ})
//   w^j = exp(−β f(x^j))                                 (β = 1 in the paper)
//   μ ≈ Σ_j w^j x^j / Σ_j w^j = x + √τ Σ_j w^j ξ_j / Σ_j w^j    (eq. 16)
// The J×d noise is never stored: samples are drawn in chunks, their losses
// evaluated at once, and Σ w^j ξ_j accumulated with a streaming log-sum-exp
// (sampling/logsumexp.h). Weights are folded in strictly in sample order, and
// the accumulation is split over coordinates, so the result is the same for
// every chunk size and thread count. It never calls ∇f.
// d = parameters, C = samples per chunk.
#pragma once

#include <vector>

#include "valley/backends/backend.h"
#include "valley/sampling/mean_estimator.h"

namespace valley {

struct ImportanceSettings {
  int64_t n_samples = 1000;  // J
  double beta = 1.0;         // β: weights exp(−β f)
  int64_t chunk_size = 32;   // C: samples evaluated at once
  uint64_t seed = 1;
};

class ImportanceSampling final : public MeanEstimator {
 public:
  ImportanceSampling(ImportanceSettings settings, const Backend& backend);

  std::string name() const override { return "is"; }
  MeanEstimate estimate_mean(ConstVecRef x, double tau, Objective& f, uint64_t k,
                             VecRef mean) override;
  nlohmann::json settings() const override;

 private:
  ImportanceSettings settings_;
  const Backend& backend_;
  Samples noise_;  // d × C: ξ_j of the current chunk
  Samples xs_;     // d × C: x^j of the current chunk
  Vec sum_;        // Σ_j w^j ξ_j, in units of exp(current maximum log-weight)
  std::vector<double> losses_, rescale_, weight_;
};

}  // namespace valley
