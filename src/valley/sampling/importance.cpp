#include "valley/sampling/importance.h"

#include <algorithm>
#include <cmath>

#include "valley/backends/blocks_in_order.h"
#include "valley/core/error.h"
#include "valley/distributed/ordered_fold.h"
#include "valley/numerics/importance_weight.h"
#include "valley/sampling/stop_point.h"

namespace valley {

ImportanceSampling::ImportanceSampling(ImportanceSettings settings, const Backend& backend, Device* device)
    : settings_(settings), work_(make_importance_work(settings, backend, device)) {}

MeanEstimate ImportanceSampling::estimate_mean(ConstVecRef x, double tau, Objective& f, uint64_t k,
                                               VecRef mean) {
  const float sigma = static_cast<float>(std::sqrt(tau));
  // Σ_j w^j ξ_j and Σ_j w^j:  x^j = x + √τ ξ_j,  w^j = exp(−β f(x^j)),  j = 1 … J
  const WeightedSum& total = work_->weighted_sum(x, sigma, f, k);
  if (!(total.weights.scaled_sum() > 0.0))
    fail("importance sampling: all {} weights exp(−β f) are zero (every sampled loss is +∞)",
         settings_.n_samples);
  // μ = x + √τ Σ w^j ξ_j / Σ w^j  (eq. 16)
  mean = x + (sigma / static_cast<float>(total.weights.scaled_sum())) * total.sum;
  return {total.weights.effective_sample_size()};
}

namespace {

// The J samples on the CPU, in blocks of kBlockSize folded in block order
// over threads and, in shards of blocks, over ranks (importance.h).
class CpuImportanceWork final : public ImportanceWork {
 public:
  CpuImportanceWork(const ImportanceSettings& settings, const Backend& backend)
      : settings_(settings), backend_(backend) {}
  const WeightedSum& weighted_sum(ConstVecRef x, float sigma, Objective& f, uint64_t k) override;

 private:
  ImportanceSettings settings_;
  const Backend& backend_;
  std::vector<Vec> xi_;             // per worker: ξ_j
  std::vector<WeightedSum> block_;  // per worker: the current block's Σ w^j ξ_j and Σ w^j
  WeightedSum shard_;               // the current shard's
  distributed::OrderedFold fold_;   // the shards', in order over the ranks
};

const WeightedSum& CpuImportanceWork::weighted_sum(ConstVecRef x, float sigma, Objective& f, uint64_t k) {
  constexpr int64_t kBlockSize = ImportanceSampling::kBlockSize;
  const int64_t n_samples = settings_.n_samples;
  distributed::Communicator& comm = distributed::world();
  const distributed::ShardedBlocks blocks((n_samples + kBlockSize - 1) / kBlockSize,
                                          ImportanceSampling::kMaxShards, comm);
  // With a fresh minibatch per sample the objective changes between samples,
  // so they are evaluated one after another on one thread.
  const bool fresh = f.fresh_inner_batches();
  const int n_workers = fresh ? 1
                              : static_cast<int>(std::min<int64_t>(
                                    {backend_.n_threads(), f.n_workers(), blocks.end() - blocks.first()}));
  xi_.resize(static_cast<std::size_t>(n_workers));
  block_.resize(static_cast<std::size_t>(n_workers));
  f.set_centre(x, sigma);
  shard_.clear(x.size());
  fold_.clear(comm, x.size());
  distributed::agree_on_failure(comm, [&] {
    for_blocks_in_order(
        backend_, n_workers, blocks.first(), blocks.end(),
        [&](int64_t b, int w) {  // block b: samples j = 16 b … 16 b + 15
          Vec& xi = xi_[static_cast<std::size_t>(w)];
          WeightedSum& block = block_[static_cast<std::size_t>(w)];
          xi.resize(x.size());
          block.clear(x.size());
          stop_point();
          for (int64_t j = b * kBlockSize; j < std::min(n_samples, (b + 1) * kBlockSize); ++j) {
            // ξ_j ∼ N(0, I), x^j = x + √τ ξ_j
            backend_.fill_normal(NoiseKey{settings_.seed, Stream::importance, static_cast<uint32_t>(k),
                                          static_cast<uint32_t>(j)},
                                 0, {xi.data(), static_cast<std::size_t>(xi.size())});
            if (fresh) f.select_inner_batch(static_cast<uint64_t>(j));
            const double loss = f.perturbed_loss(xi, w);  // f(x^j)
            // w^j = exp(−β f(x^j)): Σ_j w^j ξ_j and Σ_j w^j
            block.add(log_importance_weight(settings_.beta, loss, j), xi);
          }
        },
        [&](int64_t b, int w) {  // blocks into shards, shards into the total, in order
          shard_.fold(block_[static_cast<std::size_t>(w)]);
          if (blocks.ends_shard(b)) {
            fold_.add(shard_);
            shard_.clear(x.size());
          }
        });
  });
  // The evaluations of the other ranks' samples count as this update's too.
  f.add_counts(
      {n_samples - (std::min(n_samples, blocks.end() * kBlockSize) - blocks.first() * kBlockSize), 0});
  return fold_.total();
}

}  // namespace

std::unique_ptr<ImportanceWork> cpu_importance_work(const ImportanceSettings& settings,
                                                    const Backend& backend) {
  return std::make_unique<CpuImportanceWork>(settings, backend);
}

nlohmann::json ImportanceSampling::settings() const {
  return {{"estimator", "is"}, {"samples", settings_.n_samples}, {"beta", settings_.beta}};
}

}  // namespace valley
