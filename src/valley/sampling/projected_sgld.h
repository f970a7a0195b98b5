// SGLD (Alg. 3) on the row-space reduction θ = R x (objective/reduction.h),
// exactly equal in distribution to the full chain. Split the chain y into
// R y (which the loss sees) and u = (I − RᵀR) y (which it does not). R y runs
// the reduced chain with the reduced loss g. Since ∇f ∈ range(Rᵀ), u follows,
// with c = (I − RᵀR) x and a_j = ε_j/(2τ),
//   u^j = (1 − a_j) u^{j−1} + a_j c + √ε_j (I − RᵀR) η_j,
// the same scalar recursion in every unseen direction. Its end state u^J and
// A = Σ_j ε_j u^j are jointly Gaussian given u^0 and c:
//   u^J = p u^0 + (1 − p) c + N_1,   A = p_A u^0 + q_A c + N_2,
// with scalar coefficients and a 2×2 covariance of (N_1, N_2) per direction
// computed by recursions over j (see the .cpp). Both are drawn at once with
// two normals per coordinate. The chain then runs in dim θ dimensions.
#pragma once

#include "valley/sampling/sgld.h"

namespace valley {

// The closed-form law of the unseen part of the chain over one update.
struct OrnsteinUhlenbeckSummary {
  double p = 1.0;    // u^J = p u^0 + (1 − p) c + N_1
  double p_a = 0.0;  // A = p_a u^0 + q_a c + N_2
  double q_a = 0.0;
  double var_end = 0.0;  // Var N_1
  double var_sum = 0.0;  // Var N_2
  double cov = 0.0;      // Cov(N_1, N_2)
  double sum_eps = 0.0;  // Σ_j ε_j
};

OrnsteinUhlenbeckSummary summarize_unseen_chain(const SgldSettings& settings, double tau);

class ProjectedSgld final : public MeanEstimator {
 public:
  // With a device, the chain on θ runs there (sampling/sgld.h).
  ProjectedSgld(SgldSettings settings, const Backend& backend, Device* device = nullptr);

  std::string name() const override { return "sgld"; }
  MeanEstimate estimate_mean(ConstVecRef x, double tau, Objective& f, uint64_t k, VecRef mean) override;
  nlohmann::json settings() const override;
  std::vector<float> state() const override { return {chain_.data(), chain_.data() + chain_.size()}; }
  void restore_state(std::span<const float> state) override {
    chain_ = Eigen::Map<const Vec>(state.data(), static_cast<Eigen::Index>(state.size()));
  }

  const Vec& chain() const { return chain_; }

 private:
  SgldSettings settings_;
  const Backend& backend_;
  Sgld reduced_sgld_;
  Vec chain_;  // the full chain y, carried over between updates
  Vec theta_x_, theta_y_, mean_theta_, unseen_start_, unseen_centre_, seen_, z1_, z2_;
};

}  // namespace valley
