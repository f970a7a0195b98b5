#include "valley/sampling/projected_importance.h"

#include <cmath>

#include "valley/objective/reduction.h"

namespace valley {

ProjectedImportance::ProjectedImportance(ImportanceSettings settings, const Backend& backend, Device* device)
    : settings_(settings), backend_(backend), reduced_is_(settings, backend, device) {}

MeanEstimate ProjectedImportance::estimate_mean(ConstVecRef x, double tau, Objective& f, uint64_t k,
                                                VecRef mean) {
  const std::unique_ptr<Reduction> reduction = require_reduction(f);
  Objective& g = reduction->reduced();
  theta_.resize(reduction->reduced_dim());
  mean_theta_.resize(reduction->reduced_dim());
  reduction->reduce(x, theta_);
  g.reset_counts();
  const MeanEstimate estimate = reduced_is_.estimate_mean(theta_, tau, g, k, mean_theta_);
  f.add_counts(g.counts());
  // μ = (I − RᵀR) x + Rᵀ μ_θ + √(τ/ESS) (I − RᵀR) G
  seen_.resize(x.size());
  reduction->expand(theta_, seen_);
  reduction->expand(mean_theta_, mean);
  mean += x - seen_;
  noise_.resize(x.size());
  backend_.fill_normal(NoiseKey{settings_.seed, Stream::complement, static_cast<uint32_t>(k), 0}, 0,
                       {noise_.data(), static_cast<std::size_t>(noise_.size())});
  reduction->project_out(noise_);
  mean += static_cast<float>(std::sqrt(tau / estimate.ess)) * noise_;
  return estimate;
}

nlohmann::json ProjectedImportance::settings() const {
  nlohmann::json out = reduced_is_.settings();
  out["sampler"] = "projected";
  return out;
}

}  // namespace valley
