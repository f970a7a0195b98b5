// Algorithm 4 (sampling/importance.h) with its heavy part on a Device:
//   x^j = x + √τ ξ_j,  w^j = exp(−β f(x^j)),  μ = x + √τ Σ_j w^j ξ_j / Σ_j w^j  (eq. 16)
// The device draws the same ξ_j as the CPU (bit for bit), evaluates the J
// perturbed losses and returns Σ_j w^j ξ_j with the weights in units of the
// largest; this estimator forms μ from them as the CPU one does. The sums
// run in another order than the CPU's blocks: μ agrees with the CPU's to
// the tolerance of tests/cuda, not bit for bit.
#pragma once

#include "valley/backends/device.h"
#include "valley/sampling/importance.h"
#include "valley/sampling/mean_estimator.h"

namespace valley {

class ImportanceOnDevice final : public MeanEstimator {
 public:
  ImportanceOnDevice(ImportanceSettings settings, Device& device);

  std::string name() const override { return "is"; }
  MeanEstimate estimate_mean(ConstVecRef x, double tau, Objective& f, uint64_t k, VecRef mean) override;
  nlohmann::json settings() const override;

 private:
  ImportanceSettings settings_;
  Device& device_;
  Vec noise_sum_;  // Σ_j w^j ξ_j / exp(max_j log w^j)
};

}  // namespace valley
