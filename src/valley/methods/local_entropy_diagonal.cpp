#include "valley/methods/local_entropy_diagonal.h"

#include <algorithm>

namespace valley {

LocalEntropyDiagonal::LocalEntropyDiagonal(DiagonalSettings settings,
                                           std::unique_ptr<MomentsEstimator> estimator)
    : settings_(settings), estimator_(std::move(estimator)) {}

UpdateStats LocalEntropyDiagonal::step(Vec& x, Objective& f, uint64_t k) {
  if (s_.size() == 0) s_.setConstant(x.size(), static_cast<float>(settings_.tau));  // s_0 = τ·1
  if (s_.size() != x.size())
    fail("the carried variances hold {} numbers, but the parameters are {}", s_.size(), x.size());
  mean_.resize(x.size());
  variance_.resize(x.size());
  const MeanEstimate moments = estimator_->estimate_moments(x, s_, f, k, mean_, variance_);
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
  nlohmann::json out = {{"method", "local-entropy"}, {"covariance", "diag"}};
  out.update(estimator_->settings());
  out.update({{"tau", settings_.tau}, {"tau_min", settings_.tau_min}, {"tau_max", settings_.tau_max}});
  return out;
}

std::vector<float> LocalEntropyDiagonal::state() const {
  std::vector<float> out(s_.data(), s_.data() + s_.size());
  const std::vector<float> estimator = estimator_->state();
  out.insert(out.end(), estimator.begin(), estimator.end());
  return out;
}

void LocalEntropyDiagonal::restore_state(std::span<const float> state) {
  // d numbers of s, then n_state_vectors() × d of the estimator's.
  const auto n_vectors = static_cast<std::size_t>(1 + estimator_->n_state_vectors());
  if (state.size() % n_vectors != 0)
    fail(
        "{} with --covariance diag: a state of {} numbers does not hold {} vectors of the "
        "parameters' size",
        name(), state.size(), n_vectors);
  const std::size_t d = state.size() / n_vectors;
  s_ = Eigen::Map<const Vec>(state.data(), static_cast<Eigen::Index>(d));
  estimator_->restore_state(state.subspan(d));
}

}  // namespace valley
