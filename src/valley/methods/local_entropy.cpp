#include "valley/methods/local_entropy.h"

namespace valley {

LocalEntropy::LocalEntropy(std::unique_ptr<MeanEstimator> estimator, TauSchedule schedule,
                           std::optional<double> eta)
    : estimator_(std::move(estimator)), schedule_(schedule), eta_(eta) {}

UpdateStats LocalEntropy::step(Vec& x, Objective& f, uint64_t k) {
  const double tau = schedule_.tau(k);
  mean_.resize(x.size());
  const MeanEstimate estimate = estimator_->estimate_mean(x, tau, f, k, mean_);
  if (!eta_ || *eta_ == tau) {
    x = mean_;  // Alg. 1 step 2: x_{k+1} = E_{q_{x_k,τ}}[X]
  } else {
    // eq. 11–12: x_{k+1} = x_k − η ∇F_τ(x_k) = x_k − η (x_k − μ_k)/τ
    x -= static_cast<float>(*eta_ / tau) * (x - mean_);
  }
  return {tau, estimate.ess};
}

nlohmann::json LocalEntropy::settings() const {
  nlohmann::json out = estimator_->settings();
  out["method"] = "local-entropy";
  out["tau_schedule"] = schedule_.kind_name();
  out["tau0"] = schedule_.tau_0;
  out["tau1"] = schedule_.tau_1;
  out["eta"] = eta_ ? nlohmann::json(*eta_) : nlohmann::json("tau");
  return out;
}

}  // namespace valley
