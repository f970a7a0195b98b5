// Algorithm 1: minimize the local entropy F_τ (eq. 2) by
//   x_{k+1} = x_k − η (x_k − μ_k)/τ,   μ_k ≈ E_{q_{x_k,τ}}[X]  (eq. 15)
// which is gradient descent on F_τ, since ∇F_τ(x) = (x − E_q X)/τ (eq. 12).
// With η = τ (the default, Remark 1) the update is exactly x_{k+1} = μ_k: the
// mean of the best Gaussian φ_{x,τ} in KL(q_{x_k,τ} ‖ φ_{x,τ}). The estimator
// of μ_k is SGLD (Alg. 3), importance sampling (Alg. 4) or, for toy problems,
// exact quadrature.
#pragma once

#include <memory>
#include <optional>

#include "valley/methods/method.h"
#include "valley/methods/method_table.h"
#include "valley/sampling/mean_estimator.h"
#include "valley/schedules/tau_schedule.h"

namespace valley {

class LocalEntropy final : public Method {
 public:
  // eta: the outer learning rate η; none means η = τ(k).
  LocalEntropy(std::unique_ptr<MeanEstimator> estimator, TauSchedule schedule, std::optional<double> eta);

  std::string name() const override { return estimator_->name(); }
  UpdateStats step(Vec& x, Objective& f, uint64_t k) override;
  nlohmann::json settings() const override;
  std::vector<float> state() const override { return estimator_->state(); }
  void restore_state(std::span<const float> state) override { estimator_->restore_state(state); }

  MeanEstimator& estimator() { return *estimator_; }

 private:
  std::unique_ptr<MeanEstimator> estimator_;
  TauSchedule schedule_;
  std::optional<double> eta_;
  Vec mean_;
};

// The settings groups of Alg. 1 and 2+5 (methods/method_table.h): τ, its
// schedule and the samples (sgld, is, heat); the outer step η and the
// Gaussians' covariance (sgld, is); the estimators' own.
const SettingsGroup& regularized_settings();
const SettingsGroup& local_entropy_settings();
const SettingsGroup& sgld_settings();
const SettingsGroup& is_settings();

// The factories of the method table's rows sgld and is: Alg. 1 with the
// estimator the settings ask for (projected unless --sampler full, the
// diagonal covariance with --covariance diag).
std::unique_ptr<Method> make_sgld(const MethodConfig& config, const Backend& backend, Device* device);
std::unique_ptr<Method> make_is(const MethodConfig& config, const Backend& backend, Device* device);

}  // namespace valley
