// Importance sampling (Alg. 4) on the row-space reduction θ = R x
// (objective/reduction.h), exactly equal in distribution to the full
// estimator. With x^j = x + √τ ξ_j, the weights depend on ξ_j only through
// R ξ_j ∼ N(0, I); the unseen parts (I − RᵀR) ξ_j are independent of them, so
//   Σ_j w̄_j (I − RᵀR) ξ_j  ∼  N(0, (Σ_j w̄_j²) (I − RᵀR))   given the weights,
// with w̄_j = w_j / Σ w and Σ_j w̄_j² = 1/ESS. Hence
//   μ = (I − RᵀR) x + Rᵀ μ_θ + √(τ/ESS) (I − RᵀR) G,   G ∼ N(0, I),
// where μ_θ is IS run on θ. Per sample it draws dim θ normals (6,210 for
// 784-200-10 with B = 20) instead of d (159,010). On a device
// (backends/device.h), IS on θ runs there (sampling/importance.h, on the
// reduced network); the reduction and the unseen part stay here.
#pragma once

#include "valley/backends/device.h"
#include "valley/sampling/importance.h"

namespace valley {

class ProjectedImportance final : public MeanEstimator {
 public:
  ProjectedImportance(ImportanceSettings settings, const Backend& backend, Device* device = nullptr);

  std::string name() const override { return "is"; }
  MeanEstimate estimate_mean(ConstVecRef x, double tau, Objective& f, uint64_t k, VecRef mean) override;
  nlohmann::json settings() const override;

 private:
  ImportanceSettings settings_;
  const Backend& backend_;
  ImportanceSampling reduced_is_;  // IS on θ
  Vec theta_, mean_theta_, seen_, noise_;
};

}  // namespace valley
