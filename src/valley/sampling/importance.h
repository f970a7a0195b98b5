// Algorithm 4, importance sampling, as a gradient-free estimator of
// E_{q_{x,τ}}[X]:
//   x^j = x + √τ ξ_j,  ξ_j ∼ N(0, I),  j = 1 … J        (x^j ∼ φ_{x,τ})
//   w^j = exp(−β f(x^j))                                 (β = 1 in the paper)
//   μ ≈ Σ_j w^j x^j / Σ_j w^j = x + √τ Σ_j w^j ξ_j / Σ_j w^j    (eq. 16)
// The J×d noise is never stored. Samples are taken in blocks of
// kBlockSize consecutive j; within a block each ξ_j is drawn, its loss
// f(x + √τ ξ_j) evaluated, and w^j ξ_j folded into the block's sum with a
// streaming log-sum-exp (numerics/logsumexp.h), so that losses around 10⁴
// neither overflow nor underflow. Threads take blocks in turn and merge them
// into the total in block order: the result is the same for any thread
// count. It never calls ∇f. d = parameters.
//
// The J samples and their sums are the estimator's heavy part, an
// ImportanceWork: on the CPU the blocks above (importance.cpp, the
// reference), on a device (backends/device.h) the J losses and Σ_j w^j ξ_j
// there (sampling/on_device.cpp: Device::importance_sums, the same ξ_j, bit
// for bit, drawn in registers and regenerated rather than stored; the
// weights in units of the largest); μ is formed from either by the same
// eq. 16. A device sums in another order than the blocks: μ agrees with the
// CPU's to the tolerance of the device tests, not bit for bit.
//
// Over the R ranks of a distributed run (docs/DISTRIBUTED.md) the blocks are
// grouped into at most kMaxShards contiguous shards, a grouping fixed by J
// alone: each shard's blocks are folded in block order, and the shards into
// the total in shard order. Each rank takes a contiguous range of shards and
// generates its own samples' noise from the counters; the running total is
// handed from rank to rank in order (2 scalars, the ESS sum and a d-vector)
// and broadcast from the last, so the result is the same bit for bit for
// every R. With J ≤ kMaxShards·kBlockSize every shard is one block, and the
// fold is the plain block-order fold.
#pragma once

#include <memory>
#include <vector>

#include "valley/backends/backend.h"
#include "valley/backends/device.h"
#include "valley/numerics/weighted_sum.h"
#include "valley/sampling/mean_estimator.h"

namespace valley {

struct ImportanceSettings {
  int64_t n_samples = 1000;  // J
  double beta = 1.0;         // β: weights exp(−β f)
  uint64_t seed = 1;
};

// Σ_j w^j ξ_j and Σ_j w^j for x^j = x + σ ξ_j, w^j = exp(−β f(x^j)),
// ξ_j the normals of NoiseKey{seed, importance, k, j}, j < J, in units of
// the largest weight; the same on every rank of a distributed run.
class ImportanceWork {
 public:
  virtual ~ImportanceWork() = default;
  virtual const WeightedSum& weighted_sum(ConstVecRef x, float sigma, Objective& f, uint64_t k) = 0;
};

// On the CPU (importance.cpp).
std::unique_ptr<ImportanceWork> cpu_importance_work(const ImportanceSettings& settings,
                                                    const Backend& backend);
// On `device`, or on the CPU without one (sampling/on_device.cpp).
std::unique_ptr<ImportanceWork> make_importance_work(const ImportanceSettings& settings,
                                                     const Backend& backend, Device* device);

class ImportanceSampling final : public MeanEstimator {
 public:
  // Samples per block: a fixed constant (not tied to threads), so that the
  // order of floating-point sums is fixed.
  static constexpr int64_t kBlockSize = 16;
  // The most shards (units of work spread over ranks).
  static constexpr int64_t kMaxShards = 256;

  ImportanceSampling(ImportanceSettings settings, const Backend& backend, Device* device = nullptr);

  std::string name() const override { return "is"; }
  MeanEstimate estimate_mean(ConstVecRef x, double tau, Objective& f, uint64_t k, VecRef mean) override;
  nlohmann::json settings() const override;

 private:
  ImportanceSettings settings_;
  std::unique_ptr<ImportanceWork> work_;
};

}  // namespace valley
