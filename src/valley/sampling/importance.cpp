#include "valley/sampling/importance.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <string>

#include "valley/core/error.h"
#include "valley/distributed/communicator.h"
#include "valley/objective/batch_mlp_objective.h"
#include "valley/numerics/logsumexp.h"

namespace valley {

ImportanceSampling::ImportanceSampling(ImportanceSettings settings, const Backend& backend, Device* device)
    : settings_(settings), backend_(backend), device_(device) {}

MeanEstimate ImportanceSampling::estimate_mean(ConstVecRef x, double tau, Objective& f,
                                               uint64_t k, VecRef mean) {
  if (device_ != nullptr) return estimate_on_device(x, tau, f, k, mean);
  distributed::Communicator& comm = distributed::world();
  const Eigen::Index d = x.size();
  const int64_t n_samples = settings_.n_samples;
  const int64_t n_blocks = (n_samples + kBlockSize - 1) / kBlockSize;
  const int64_t n_shards = std::min(n_blocks, kMaxShards);
  // Shard s holds blocks [shard_begin(s), shard_begin(s + 1)); this rank takes shards [first_shard, end_shard).
  const auto shard_begin = [&](int64_t s) {
    return distributed::share_of(n_blocks, static_cast<int>(s), static_cast<int>(n_shards)).begin;
  };
  const distributed::Share my_shards = distributed::share_of(n_shards, comm.rank(), comm.size());
  const int64_t first_block = shard_begin(my_shards.begin), end_block = shard_begin(my_shards.end);
  const int64_t my_blocks = end_block - first_block;
  const float sigma = static_cast<float>(std::sqrt(tau));
  // With a fresh minibatch per sample the objective changes between samples,
  // so they are evaluated one after another on one thread.
  const bool fresh = f.fresh_inner_batches();
  const int n_workers =
      fresh ? 1 : static_cast<int>(std::min<int64_t>({backend_.n_threads(), f.n_workers(), my_blocks}));
  xi_.resize(static_cast<std::size_t>(n_workers));
  block_.resize(static_cast<std::size_t>(n_workers));
  for (int w = 0; w < n_workers; ++w) {
    xi_[static_cast<std::size_t>(w)].resize(d);
    block_[static_cast<std::size_t>(w)].resize(d);
  }
  sum_.setZero(d);
  shard_.setZero(d);
  f.set_centre(x, sigma);

  // Rank 0 folds its shards straight into the total; later ranks keep
  // theirs until the total of the ranks before them arrives.
  const bool first_rank = comm.rank() == 0;
  const bool unordered = comm.size() > 1 && distributed::unordered_merge_requested();
  std::vector<LogSumExp> pending_weights;
  std::size_t n_pending = 0;
  LogSumExp total, shard;
  int64_t shard_index = my_shards.begin;
  int64_t next_to_merge = first_block;
  std::mutex mutex;
  std::condition_variable merged;
  std::string error;  // the first failure of any worker

  const auto fold_into = [](LogSumExp& into, Vec& into_sum, const LogSumExp& part, const Vec& part_sum) {
    const auto [into_scale, part_scale] = into.merge(part);
    if (into_scale != 1.0) into_sum *= static_cast<float>(into_scale);
    into_sum += static_cast<float>(part_scale) * part_sum;
  };

  if (n_workers > 0) backend_.parallel_for(n_workers, [&](int, int64_t first_worker, int64_t end_worker) {
    for (int64_t w = first_worker; w < end_worker; ++w) {
      Vec& xi = xi_[static_cast<std::size_t>(w)];
      Vec& block_sum = block_[static_cast<std::size_t>(w)];
      for (int64_t b = first_block + w; b < end_block; b += n_workers) {
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
        fold_into(shard, shard_, block, block_sum);
        if (b + 1 == shard_begin(shard_index + 1)) {  // the shard is complete
          if (first_rank && !unordered) {
            fold_into(total, sum_, shard, shard_);
          } else {
            if (pending_.size() <= n_pending) pending_.emplace_back();
            pending_[n_pending++] = shard_;
            pending_weights.push_back(shard);
          }
          shard = LogSumExp();
          shard_.setZero();
          ++shard_index;
        }
        ++next_to_merge;
        merged.notify_all();
      }
    }
  });
  // A failure on any rank fails every rank alike (the lowest rank's message:
  // the first failing sample in order, as in a single process).
  error = comm.first_failure(error);
  if (!error.empty()) fail("{}", error);
  if (comm.size() > 1) {
    // The evaluations of the other ranks' samples count as this update's too.
    const int64_t mine = std::min(n_samples, end_block * kBlockSize) - first_block * kBlockSize;
    f.add_counts({n_samples - mine, 0});
    if (unordered) {
      merge_unordered(comm, pending_weights, total);
    } else {
      // The total of the shards before this rank's, then this rank's in
      // order, handed on: the fold of a single process (eq. 16's sums).
      double parts[3];
      if (!first_rank) {
        comm.receive(comm.rank() - 1, parts);
        comm.receive(comm.rank() - 1, {sum_.data(), static_cast<std::size_t>(d)});
        total = LogSumExp::from_parts(parts[0], parts[1], parts[2]);
        for (std::size_t s = 0; s < n_pending; ++s) fold_into(total, sum_, pending_weights[s], pending_[s]);
      }
      parts[0] = total.max();
      parts[1] = total.scaled_sum();
      parts[2] = total.scaled_sum_squares();
      if (comm.rank() + 1 < comm.size()) {
        comm.send(comm.rank() + 1, std::span<const double>(parts));
        comm.send(comm.rank() + 1, std::span<const float>(sum_.data(), static_cast<std::size_t>(d)));
      }
      const int last = comm.size() - 1;
      comm.broadcast(last, parts);
      comm.broadcast(last, {sum_.data(), static_cast<std::size_t>(d)});
      total = LogSumExp::from_parts(parts[0], parts[1], parts[2]);
    }
  }
  if (!(total.scaled_sum() > 0.0))
    fail("importance sampling: all {} weights exp(−β f) are zero (every sampled loss is +∞)",
         n_samples);
  // μ = x + √τ Σ w^j ξ_j / Σ w^j  (eq. 16)
  mean = x + (sigma / static_cast<float>(total.scaled_sum())) * sum_;
  return {total.effective_sample_size()};
}

// Test-only (distributed::unordered_merge_requested): each rank folds its
// own shards, rescales them to the largest maximum of all ranks, and a
// floating-point MPI_Allreduce(SUM) adds the ranks' sums in whatever order
// MPI picks: the merge the R-invariance tests must catch.
void ImportanceSampling::merge_unordered(distributed::Communicator& comm,
                                         const std::vector<LogSumExp>& weights, LogSumExp& total) {
  const Eigen::Index d = sum_.size();
  sum_.setZero();
  total = LogSumExp();
  for (std::size_t s = 0; s < weights.size(); ++s) {
    const auto [total_scale, shard_scale] = total.merge(weights[s]);
    if (total_scale != 1.0) sum_ *= static_cast<float>(total_scale);
    sum_ += static_cast<float>(shard_scale) * pending_[s];
  }
  Vec maxima = Vec::Zero(comm.size());
  maxima[comm.rank()] = std::isfinite(total.max()) ? static_cast<float>(total.max()) : -1e30f;
  comm.unordered_sum({maxima.data(), static_cast<std::size_t>(maxima.size())});
  const double global_max = maxima.maxCoeff();
  const double scale = total.max() == -std::numeric_limits<double>::infinity() ? 0.0 : std::exp(total.max() - global_max);
  Vec packed(d + 2);
  packed.head(d) = static_cast<float>(scale) * sum_;
  packed[d] = static_cast<float>(total.scaled_sum() * scale);
  packed[d + 1] = static_cast<float>(total.scaled_sum_squares() * scale * scale);
  comm.unordered_sum({packed.data(), static_cast<std::size_t>(packed.size())});
  sum_ = packed.head(d);
  total = LogSumExp::from_parts(global_max, packed[d], packed[d + 1]);
}

MeanEstimate ImportanceSampling::estimate_on_device(ConstVecRef x, double tau, Objective& f, uint64_t k,
                                                    VecRef mean) {
  const MlpBatch batch = device_batch_of(f, "is");
  const float sigma = static_cast<float>(std::sqrt(tau));
  sum_.resize(x.size());
  const ImportanceSums sums = device_->importance_sums(x, batch, sigma, settings_.beta, settings_.seed,
                                                       static_cast<uint32_t>(k), settings_.n_samples, sum_);
  f.add_counts({settings_.n_samples, 0});
  if (!(sums.scaled_sum > 0.0))
    fail("importance sampling: all {} weights exp(−β f) are zero (every sampled loss is +∞)",
         settings_.n_samples);
  // μ = x + √τ Σ w^j ξ_j / Σ w^j  (eq. 16), Σ w^j ξ_j and Σ w^j both in units of the largest weight
  mean = x + (sigma / static_cast<float>(sums.scaled_sum)) * sum_;
  return {LogSumExp::from_parts(sums.max_log_weight, sums.scaled_sum, sums.scaled_sum_squares)
              .effective_sample_size()};
}

nlohmann::json ImportanceSampling::settings() const {
  return {{"estimator", "is"}, {"samples", settings_.n_samples}, {"beta", settings_.beta}};
}

}  // namespace valley
