#include "valley/sampling/importance.h"

#include <algorithm>
#include <cmath>

#include "valley/core/error.h"
#include "valley/sampling/logsumexp.h"

namespace valley {

ImportanceSampling::ImportanceSampling(ImportanceSettings settings, const Backend& backend)
    : settings_(settings), backend_(backend) {}

MeanEstimate ImportanceSampling::estimate_mean(ConstVecRef x, double tau, Objective& f,
                                               uint64_t k, VecRef mean) {
  const Eigen::Index d = x.size();
  const int64_t n_total = settings_.n_samples;
  const Eigen::Index chunk = static_cast<Eigen::Index>(std::min(settings_.chunk_size, n_total));
  noise_.resize(d, chunk);
  xs_.resize(d, chunk);
  sum_.setZero(d);
  losses_.resize(static_cast<std::size_t>(chunk));
  rescale_.resize(static_cast<std::size_t>(chunk));
  weight_.resize(static_cast<std::size_t>(chunk));
  const float sigma = static_cast<float>(std::sqrt(tau));
  LogSumExp log_weights;

  for (int64_t start = 0; start < n_total; start += chunk) {
    const Eigen::Index n = static_cast<Eigen::Index>(std::min<int64_t>(chunk, n_total - start));
    // x^j = x + √τ ξ_j
    for (Eigen::Index s = 0; s < n; ++s) {
      const auto j = static_cast<uint32_t>(start + s);
      backend_.fill_normal(NoiseKey{settings_.seed, Stream::importance, static_cast<uint32_t>(k), j},
                           0, {noise_.col(s).data(), static_cast<std::size_t>(d)});
      xs_.col(s) = x + sigma * noise_.col(s);
    }
    if (f.fresh_inner_batches()) {
      for (Eigen::Index s = 0; s < n; ++s) {
        f.select_inner_batch(static_cast<uint64_t>(start + s));
        losses_[static_cast<std::size_t>(s)] = f.loss(xs_.col(s));
      }
    } else {
      f.losses(xs_.leftCols(n), {losses_.data(), static_cast<std::size_t>(n)});
    }
    // log w^j = −β f(x^j), folded in sample order.
    for (Eigen::Index s = 0; s < n; ++s) {
      const double loss = losses_[static_cast<std::size_t>(s)];
      if (std::isnan(loss)) fail("importance sampling: the loss of sample {} is NaN", start + s + 1);
      const double log_w = -settings_.beta * loss;
      if (log_w == -std::numeric_limits<double>::infinity()) {
        rescale_[static_cast<std::size_t>(s)] = 1.0;  // weight exactly 0
        weight_[static_cast<std::size_t>(s)] = 0.0;
        continue;
      }
      rescale_[static_cast<std::size_t>(s)] = log_weights.add(log_w);
      weight_[static_cast<std::size_t>(s)] = log_weights.last_weight();
    }
    // Σ w^j ξ_j, rescaled as the maximum grows; split over coordinates.
    backend_.parallel_for(d, [&](int, int64_t begin, int64_t end) {
      auto part = sum_.segment(begin, end - begin);
      for (Eigen::Index s = 0; s < n; ++s) {
        const double rescale = rescale_[static_cast<std::size_t>(s)];
        if (rescale != 1.0) part *= static_cast<float>(rescale);
        part += static_cast<float>(weight_[static_cast<std::size_t>(s)]) *
                noise_.col(s).segment(begin, end - begin);
      }
    });
  }
  if (!(log_weights.scaled_sum() > 0.0))
    fail("importance sampling: all {} weights exp(−β f) are zero (every sampled loss is +∞)",
         n_total);
  // μ = x + √τ Σ w^j ξ_j / Σ w^j  (eq. 16)
  mean = x + (sigma / static_cast<float>(log_weights.scaled_sum())) * sum_;
  return {log_weights.effective_sample_size()};
}

nlohmann::json ImportanceSampling::settings() const {
  return {{"estimator", "is"},
          {"samples", settings_.n_samples},
          {"beta", settings_.beta},
          {"chunk", settings_.chunk_size}};
}

}  // namespace valley
