#include "valley/sampling/importance_on_device.h"

#include <cmath>

#include "valley/core/error.h"
#include "valley/objective/batch_mlp_objective.h"
#include "valley/sampling/logsumexp.h"

namespace valley {

ImportanceOnDevice::ImportanceOnDevice(ImportanceSettings settings, Device& device)
    : settings_(settings), device_(device) {}

MeanEstimate ImportanceOnDevice::estimate_mean(ConstVecRef x, double tau, Objective& f, uint64_t k,
                                               VecRef mean) {
  const MlpBatch batch = device_batch_of(f, "is");
  const float sigma = static_cast<float>(std::sqrt(tau));
  noise_sum_.resize(x.size());
  const ImportanceSums sums = device_.importance_sums(x, batch, sigma, settings_.beta, settings_.seed,
                                                      static_cast<uint32_t>(k), settings_.n_samples, noise_sum_);
  f.add_counts({settings_.n_samples, 0});
  if (!(sums.scaled_sum > 0.0))
    fail("importance sampling: all {} weights exp(−β f) are zero (every sampled loss is +∞)",
         settings_.n_samples);
  // μ = x + √τ Σ w^j ξ_j / Σ w^j  (eq. 16)
  mean = x + (sigma / static_cast<float>(sums.scaled_sum)) * noise_sum_;
  return {LogSumExp::from_parts(sums.max_log_weight, sums.scaled_sum, sums.scaled_sum_squares)
              .effective_sample_size()};
}

nlohmann::json ImportanceOnDevice::settings() const {
  return {{"estimator", "is"}, {"samples", settings_.n_samples}, {"beta", settings_.beta}};
}

}  // namespace valley
