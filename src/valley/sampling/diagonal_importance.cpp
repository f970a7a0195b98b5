#include "valley/sampling/diagonal_importance.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "valley/backends/blocks_in_order.h"
#include "valley/core/error.h"
#include "valley/numerics/logsumexp.h"
#include "valley/numerics/importance_weight.h"
#include "valley/sampling/stop_point.h"

namespace valley {

DiagonalImportance::DiagonalImportance(ImportanceSettings settings, const Backend& backend)
    : settings_(settings), backend_(backend) {}

MeanEstimate DiagonalImportance::estimate_moments(ConstVecRef x, ConstVecRef s, Objective& f, uint64_t k,
                                                  VecRef mean, VecRef variance) {
  const Eigen::Index d = x.size();
  const int64_t n_samples = settings_.n_samples;
  constexpr int64_t kBlock = ImportanceSampling::kBlockSize;
  const int64_t n_blocks = (n_samples + kBlock - 1) / kBlock;
  const bool fresh = f.fresh_inner_batches();
  const int n_workers =
      fresh ? 1 : static_cast<int>(std::min<int64_t>({backend_.n_threads(), f.n_workers(), n_blocks}));
  for (auto* v : {&xi_, &scaled_, &block_, &block_sq_}) {
    v->resize(static_cast<std::size_t>(n_workers));
    for (Vec& w : *v) w.resize(d);
  }
  block_weights_.resize(static_cast<std::size_t>(n_workers));
  sd_ = s.cwiseSqrt();
  sum_.setZero(d);
  sum_sq_.setZero(d);
  f.set_centre(x, 1.0f);  // f(x + 1·(√s ⊙ ξ))

  LogSumExp total;
  for_blocks_in_order(
      backend_, n_workers, 0, n_blocks,
      [&](int64_t b, int w) {  // block b: samples j = 16 b … 16 b + 15
        const auto uw = static_cast<std::size_t>(w);
        Vec& xi = xi_[uw];
        Vec& scaled = scaled_[uw];
        Vec& block_sum = block_[uw];
        Vec& block_sq = block_sq_[uw];
        LogSumExp& block = block_weights_[uw];
        block = LogSumExp();
        block_sum.setZero();
        block_sq.setZero();
        const int64_t end = std::min(n_samples, (b + 1) * kBlock);
        stop_point();
        for (int64_t j = b * kBlock; j < end; ++j) {
          backend_.fill_normal(NoiseKey{settings_.seed, Stream::importance, static_cast<uint32_t>(k),
                                        static_cast<uint32_t>(j)},
                               0, {xi.data(), static_cast<std::size_t>(d)});
          if (fresh) f.select_inner_batch(static_cast<uint64_t>(j));
          scaled = sd_.cwiseProduct(xi);
          const double loss = f.perturbed_loss(scaled, w);  // f(y^j)
          const double log_w = log_importance_weight(settings_.beta, loss, j);
          if (log_w == -std::numeric_limits<double>::infinity()) continue;
          const auto rescale = static_cast<float>(block.add(log_w));
          const auto weight = static_cast<float>(block.last_weight());
          if (rescale != 1.0f) {
            block_sum *= rescale;
            block_sq *= rescale;
          }
          block_sum += weight * xi;
          block_sq += weight * xi.cwiseProduct(xi);
        }
      },
      [&](int64_t, int w) {  // in block order
        const auto uw = static_cast<std::size_t>(w);
        const auto [total_scale, block_scale] = total.merge(block_weights_[uw]);
        if (total_scale != 1.0) {
          sum_ *= static_cast<float>(total_scale);
          sum_sq_ *= static_cast<float>(total_scale);
        }
        sum_ += static_cast<float>(block_scale) * block_[uw];
        sum_sq_ += static_cast<float>(block_scale) * block_sq_[uw];
      });
  if (!(total.scaled_sum() > 0.0))
    fail("importance sampling: all {} weights exp(−β f) are zero (every sampled loss is +∞)", n_samples);
  const auto inv = static_cast<float>(1.0 / total.scaled_sum());
  for (Eigen::Index i = 0; i < d; ++i) {
    const float e1 = inv * sum_[i];     // E_w[ξ_i]
    const float e2 = inv * sum_sq_[i];  // E_w[ξ_i²]
    mean[i] = x[i] + sd_[i] * e1;
    variance[i] = s[i] * std::max(0.0f, e2 - e1 * e1);
  }
  return {total.effective_sample_size()};
}

}  // namespace valley
