#include "valley/sampling/importance.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <string>

#include "valley/core/error.h"
#include "valley/sampling/logsumexp.h"

namespace valley {

ImportanceSampling::ImportanceSampling(ImportanceSettings settings, const Backend& backend)
    : settings_(settings), backend_(backend) {}

MeanEstimate ImportanceSampling::estimate_mean(ConstVecRef x, double tau, Objective& f,
                                               uint64_t k, VecRef mean) {
  const Eigen::Index d = x.size();
  const int64_t n_samples = settings_.n_samples;
  const int64_t n_blocks = (n_samples + kBlockSize - 1) / kBlockSize;
  const float sigma = static_cast<float>(std::sqrt(tau));
  // With a fresh minibatch per sample the objective changes between samples,
  // so they are evaluated one after another on one thread.
  const bool fresh = f.fresh_inner_batches();
  const int n_workers =
      fresh ? 1 : static_cast<int>(std::min<int64_t>({backend_.n_threads(), f.n_workers(), n_blocks}));
  xi_.resize(static_cast<std::size_t>(n_workers));
  block_.resize(static_cast<std::size_t>(n_workers));
  for (int w = 0; w < n_workers; ++w) {
    xi_[static_cast<std::size_t>(w)].resize(d);
    block_[static_cast<std::size_t>(w)].resize(d);
  }
  sum_.setZero(d);
  f.set_centre(x, sigma);

  LogSumExp total;
  int64_t next_to_merge = 0;
  std::mutex mutex;
  std::condition_variable merged;
  std::string error;  // the first failure of any worker

  backend_.parallel_for(n_workers, [&](int, int64_t first_worker, int64_t end_worker) {
    for (int64_t w = first_worker; w < end_worker; ++w) {
      Vec& xi = xi_[static_cast<std::size_t>(w)];
      Vec& block_sum = block_[static_cast<std::size_t>(w)];
      for (int64_t b = w; b < n_blocks; b += n_workers) {
        LogSumExp block;
        block_sum.setZero();
        const int64_t end = std::min(n_samples, (b + 1) * kBlockSize);
        for (int64_t j = b * kBlockSize; j < end; ++j) {
          backend_.fill_normal(NoiseKey{settings_.seed, Stream::importance, static_cast<uint32_t>(k),
                                        static_cast<uint32_t>(j)},
                               0, {xi.data(), static_cast<std::size_t>(d)});
          if (fresh) f.select_inner_batch(static_cast<uint64_t>(j));
          // f(x^j) = f(x + √τ ξ_j);  log w^j = −β f(x^j)
          const double loss = f.perturbed_loss(xi, static_cast<int>(w));
          if (std::isnan(loss)) {
            const std::lock_guard lock(mutex);
            if (error.empty()) error = "importance sampling: the loss of sample " + std::to_string(j + 1) + " is NaN";
            break;
          }
          const double log_w = -settings_.beta * loss;
          if (log_w == -std::numeric_limits<double>::infinity()) continue;  // w^j = 0
          const float rescale = static_cast<float>(block.add(log_w));
          const float weight = static_cast<float>(block.last_weight());
          if (rescale == 1.0f)
            block_sum += weight * xi;
          else
            block_sum = rescale * block_sum + weight * xi;
        }
        // Merge in block order: wait for the blocks before this one.
        std::unique_lock lock(mutex);
        merged.wait(lock, [&] { return next_to_merge == b || !error.empty(); });
        if (!error.empty()) {
          merged.notify_all();
          return;
        }
        const auto [total_scale, block_scale] = total.merge(block);
        if (total_scale != 1.0) sum_ *= static_cast<float>(total_scale);
        sum_ += static_cast<float>(block_scale) * block_sum;
        ++next_to_merge;
        merged.notify_all();
      }
    }
  });
  if (!error.empty()) fail("{}", error);
  if (!(total.scaled_sum() > 0.0))
    fail("importance sampling: all {} weights exp(−β f) are zero (every sampled loss is +∞)",
         n_samples);
  // μ = x + √τ Σ w^j ξ_j / Σ w^j  (eq. 16)
  mean = x + (sigma / static_cast<float>(total.scaled_sum())) * sum_;
  return {total.effective_sample_size()};
}

nlohmann::json ImportanceSampling::settings() const {
  return {{"estimator", "is"}, {"samples", settings_.n_samples}, {"beta", settings_.beta}};
}

}  // namespace valley
