// Algorithm 1 with Gaussians of diagonal covariance (the paper's §7
// "Extensions": update the mean and the covariance). With φ_k = N(x_k, diag(s_k)):
//   q_k(y) ∝ exp(−β f(y)) φ_k(y)
//   x_{k+1} = E_{q_k}[Y],  s_{k+1,i} = clip(Var_{q_k}[Y_i], τ_min, τ_max)
// — the N(m, diag(s)) closest to q_k in KL(q_k ‖ ·), whose first and
// per-coordinate second moments match q_k's (docs/METHODS.md). s_0 = τ·1.
// The moments are estimated by importance sampling (sampling/
// diagonal_importance.h) or by SGLD's chain (sampling/sgld.h, β = 1). s is
// carried from update to update and saved in checkpoints, followed by the
// estimator's own state (the SGLD chains). d = parameters.
#pragma once

#include <memory>

#include "valley/methods/method.h"
#include "valley/sampling/moments_estimator.h"

namespace valley {

struct DiagonalSettings {
  double tau = 0.01;  // s_0
  double tau_min = 1e-6;
  double tau_max = 1.0;
};

class LocalEntropyDiagonal final : public Method {
 public:
  LocalEntropyDiagonal(DiagonalSettings settings, std::unique_ptr<MomentsEstimator> estimator);

  std::string name() const override { return estimator_->name(); }
  UpdateStats step(Vec& x, Objective& f, uint64_t k) override;
  nlohmann::json settings() const override;
  // s, then the estimator's state (empty before the first update).
  std::vector<float> state() const override;
  void restore_state(std::span<const float> state) override;
  const Vec* variances() const override { return &s_; }

 private:
  DiagonalSettings settings_;
  std::unique_ptr<MomentsEstimator> estimator_;
  Vec s_, mean_, variance_;
};

}  // namespace valley
