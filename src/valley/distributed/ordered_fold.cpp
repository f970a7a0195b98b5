#include "valley/distributed/ordered_fold.h"

#include <algorithm>

#include "valley/core/error.h"
#include "valley/core/stop_signal.h"

namespace valley::distributed {

ShardedBlocks::ShardedBlocks(int64_t n_blocks, int64_t max_shards, const Communicator& comm)
    : n_blocks_(n_blocks),
      n_shards_(std::min(n_blocks, max_shards)),
      mine_(share_of(n_shards_, comm.rank(), comm.size())) {}

// Shard s holds blocks [shard_begin(s), shard_begin(s + 1)).
int64_t ShardedBlocks::shard_begin(int64_t s) const {
  return share_of(n_blocks_, static_cast<int>(s), static_cast<int>(n_shards_)).begin;
}

bool ShardedBlocks::ends_shard(int64_t b) const {
  // The shard of block b among this rank's: the first whose end passes b.
  for (int64_t s = mine_.begin; s < mine_.end; ++s)
    if (b < shard_begin(s + 1)) return b + 1 == shard_begin(s + 1);
  return false;
}

void OrderedFold::clear(Communicator& comm, Eigen::Index d) {
  comm_ = &comm;
  total_.clear(d);
  n_later_ = 0;
}

void OrderedFold::add(const WeightedSum& part) {
  if (comm_->rank() == 0) {
    total_.fold(part);
    return;
  }
  if (later_.size() <= n_later_) later_.emplace_back();
  later_[n_later_++] = part;
}

const WeightedSum& OrderedFold::total() {
  if (comm_->size() > 1) comm_->fold_in_rank_order(total_, {later_.data(), n_later_});
  return total_;
}

void Communicator::fold_in_rank_order(WeightedSum& total, std::span<const WeightedSum> later) {
  // The total of the runs before this rank's, then this rank's in order,
  // handed on; the last rank's total is everyone's.
  const std::span<float> sum(total.sum.data(), static_cast<std::size_t>(total.sum.size()));
  double parts[3];
  if (rank() > 0) {
    receive(rank() - 1, parts);
    receive(rank() - 1, sum);
    total.weights = LogSumExp::from_parts(parts[0], parts[1], parts[2]);
    for (const WeightedSum& part : later) total.fold(part);
  }
  parts[0] = total.weights.max();
  parts[1] = total.weights.scaled_sum();
  parts[2] = total.weights.scaled_sum_squares();
  if (rank() + 1 < size()) {
    send(rank() + 1, std::span<const double>(parts));
    send(rank() + 1, std::span<const float>(sum));
  }
  broadcast(size() - 1, parts);
  broadcast(size() - 1, sum);
  total.weights = LogSumExp::from_parts(parts[0], parts[1], parts[2]);
}

void agree_on_failure(Communicator& comm, const std::function<void()>& body) {
  std::string message;
  try {
    body();
  } catch (const Interrupted& interrupted) {
    if (comm.size() == 1) throw;  // alone: nothing to agree on, and it stays an interrupt
    message = interrupted.what();
  } catch (const Error& error) {
    message = error.what();
  }
  message = comm.first_failure(message);
  if (!message.empty()) fail("{}", message);
}

}  // namespace valley::distributed
