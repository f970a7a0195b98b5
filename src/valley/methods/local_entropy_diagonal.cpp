#include "valley/methods/local_entropy_diagonal.h"

#include <algorithm>

namespace valley {

LocalEntropyDiagonal::LocalEntropyDiagonal(DiagonalSettings settings, ImportanceSettings is,
                                           const Backend& backend)
    : settings_(settings), estimator_(is, backend) {}

UpdateStats LocalEntropyDiagonal::step(Vec& x, Objective& f, uint64_t k) {
  if (s_.size() == 0) s_.setConstant(x.size(), static_cast<float>(settings_.tau));  // s_0 = τ·1
  if (s_.size() != x.size())
    fail("the carried variances hold {} numbers, but the parameters are {}", s_.size(), x.size());
  mean_.resize(x.size());
  variance_.resize(x.size());
  const Moments moments = estimator_.estimate(x, s_, f, k, mean_, variance_);
  x = mean_;  // x_{k+1} = E_q[Y]
  const auto lo = static_cast<float>(settings_.tau_min);
  const auto hi = static_cast<float>(settings_.tau_max);
  s_ = variance_.cwiseMax(lo).cwiseMin(hi);  // s_{k+1} = clip(Var_q[Y], τ_min, τ_max)
  UpdateStats stats;
  stats.tau = static_cast<double>(s_.cast<double>().mean());
  stats.ess = moments.ess;
  return stats;
}

nlohmann::json LocalEntropyDiagonal::settings() const {
  return {{"method", "local-entropy"},       {"estimator", "is"},
          {"covariance", "diag"},            {"samples", estimator_.settings().n_samples},
          {"beta", estimator_.settings().beta}, {"tau", settings_.tau},
          {"tau_min", settings_.tau_min},    {"tau_max", settings_.tau_max}};
}

void LocalEntropyDiagonal::restore_state(std::span<const float> state) {
  s_ = Eigen::Map<const Vec>(state.data(), static_cast<Eigen::Index>(state.size()));
}

}  // namespace valley
