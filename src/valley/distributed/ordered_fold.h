// Sums in a fixed order over the ranks of a distributed run
// (docs/DISTRIBUTED.md): work in blocks 0 … n−1 is grouped into at most
// max_shards contiguous shards — a grouping fixed by n alone — and each rank
// takes a contiguous run of shards (share_of). Each shard's partial sum is
// folded in shard order, rank 0's first, by OrderedFold; the total is the
// same bit for bit for every R. A failure on some ranks fails all of them
// alike (agree_on_failure).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "valley/distributed/communicator.h"
#include "valley/numerics/weighted_sum.h"

namespace valley::distributed {

// This rank's blocks of n_blocks, grouped into at most max_shards shards.
class ShardedBlocks {
 public:
  ShardedBlocks(int64_t n_blocks, int64_t max_shards, const Communicator& comm);
  // This rank's blocks: [first(), end()).
  int64_t first() const { return shard_begin(mine_.begin); }
  int64_t end() const { return shard_begin(mine_.end); }
  // Whether block b is the last of its shard.
  bool ends_shard(int64_t b) const;

 private:
  int64_t shard_begin(int64_t s) const;
  int64_t n_blocks_, n_shards_;
  Share mine_;  // this rank's shards
};

// The fold of partial sums given in their global order, this rank's run at
// a time: rank 0 folds its own at once; the others keep theirs until the
// total of the ranks before them arrives (Communicator::fold_in_rank_order).
class OrderedFold {
 public:
  // Empty, for vectors of d entries.
  void clear(Communicator& comm, Eigen::Index d);
  // This rank's next partial sum.
  void add(const WeightedSum& part);
  // Once every rank has added its partial sums: the fold of all of them, in
  // order, on every rank.
  const WeightedSum& total();

 private:
  Communicator* comm_ = nullptr;
  WeightedSum total_;
  std::vector<WeightedSum> later_;  // on ranks > 0 (kept between calls, for their memory)
  std::size_t n_later_ = 0;
};

// Runs body(); a valley::Error thrown on any rank ends every rank alike with
// the message of the lowest rank that failed (Communicator::first_failure).
// A process alone lets a valley::Interrupted (core/stop_signal.h) through as
// it is.
void agree_on_failure(Communicator& comm, const std::function<void()>& body);

}  // namespace valley::distributed
