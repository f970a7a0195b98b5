// The reusable pieces under the estimators: for_blocks_in_order merges in
// block order for any number of workers and passes a failure on;
// NoiseAhead hands every step the same noise whether it is drawn ahead on a
// second thread or by the step; WeightedSum's fold of blocks equals the
// sequential sum when the blocks are folded in order; OrderedFold on one
// process is that fold.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "valley/backends/backend.h"
#include "valley/backends/blocks_in_order.h"
#include "valley/backends/noise_ahead.h"
#include "valley/core/error.h"
#include "valley/distributed/ordered_fold.h"
#include "valley/numerics/weighted_sum.h"
#include "valley/random/philox_normal.h"

namespace valley {
namespace {

std::vector<int64_t> merge_order(int n_threads, int n_workers) {
  const auto backend = make_cpu_backend(n_threads);
  std::vector<int64_t> order;
  for_blocks_in_order(
      *backend, n_workers, 3, 40, [](int64_t, int) {}, [&](int64_t b, int) { order.push_back(b); });
  return order;
}

TEST(BlocksInOrder, MergesInBlockOrderForAnyNumberOfWorkers) {
  std::vector<int64_t> expected;
  for (int64_t b = 3; b < 40; ++b) expected.push_back(b);
  EXPECT_EQ(merge_order(1, 1), expected);
  EXPECT_EQ(merge_order(4, 4), expected);
  EXPECT_EQ(merge_order(4, 3), expected);
}

TEST(BlocksInOrder, PassesTheFirstFailureOnOnceEveryWorkerHasStopped) {
  const auto backend = make_cpu_backend(3);
  int merged = 0;
  EXPECT_THROW(for_blocks_in_order(
                   *backend, 3, 0, 30,
                   [](int64_t b, int) {
                     if (b == 7) fail("block {} failed", b);
                   },
                   [&](int64_t, int) { ++merged; }),
               Error);
  EXPECT_LE(merged, 7);  // no block after the failing one is merged
}

std::vector<float> noise_seen(int n_threads, Eigen::Index d) {
  const auto backend = make_cpu_backend(n_threads);
  NoiseAhead ahead;
  std::vector<float> seen;
  ahead.run(
      *backend, d, 5,
      [](int64_t j, std::span<float> out, bool) {
        fill_normal(NoiseKey{3, Stream::test, 0, static_cast<uint32_t>(j)}, 0, out);
      },
      [&](int64_t, const std::function<const float*()>& noise) {
        const float* z = noise();
        seen.insert(seen.end(), z, z + d);
      });
  return seen;
}

TEST(NoiseAhead, EveryStepSeesItsOwnNoiseWhetherDrawnAheadOrNot) {
  constexpr Eigen::Index d = 1 << 13;  // above the size where it draws ahead
  const std::vector<float> alone = noise_seen(1, d);
  ASSERT_EQ(alone.size(), static_cast<std::size_t>(5 * d));
  EXPECT_EQ(noise_seen(2, d), alone);
  std::vector<float> step_3(static_cast<std::size_t>(d));
  fill_normal(NoiseKey{3, Stream::test, 0, 3}, 0, step_3);
  EXPECT_TRUE(std::equal(step_3.begin(), step_3.end(), alone.begin() + 2 * d));
}

TEST(NoiseAhead, AFailingStepEndsTheLoopAndIsRethrown) {
  const auto backend = make_cpu_backend(2);
  NoiseAhead ahead;
  int steps = 0;
  EXPECT_THROW(ahead.run(
                   *backend, 1 << 13, 50, [](int64_t, std::span<float>, bool) {},
                   [&](int64_t j, const std::function<const float*()>& noise) {
                     noise();
                     ++steps;
                     if (j == 4) throw std::runtime_error("step 4");
                   }),
               std::runtime_error);
  EXPECT_EQ(steps, 4);
}

TEST(WeightedSum, BlocksFoldedInOrderGiveTheSequentialSum) {
  const Eigen::Index d = 5;
  WeightedSum whole, blocks, block;
  whole.clear(d);
  blocks.clear(d);
  block.clear(d);
  for (int j = 0; j < 12; ++j) {
    const Vec v = Vec::LinSpaced(d, static_cast<float>(j), static_cast<float>(2 * j + 1));
    const double log_w = -100.0 + std::sin(j) * 30.0 + (j == 5 ? -INFINITY : 0.0);
    whole.add(log_w, v);
    block.add(log_w, v);
    if (j % 4 == 3) {
      blocks.fold(block);
      block.clear(d);
    }
  }
  EXPECT_NEAR(blocks.weights.log_sum(), whole.weights.log_sum(), 1e-12);
  EXPECT_TRUE(blocks.sum.isApprox(whole.sum, 1e-5f));
  // One process: OrderedFold is the plain fold, bit for bit.
  distributed::SerialCommunicator serial;
  distributed::OrderedFold fold;
  fold.clear(serial, d);
  WeightedSum again;
  again.clear(d);
  for (int part = 0; part < 3; ++part) {
    WeightedSum p;
    p.clear(d);
    p.add(-part * 2.0, Vec::Constant(d, static_cast<float>(part + 1)));
    fold.add(p);
    again.fold(p);
  }
  EXPECT_EQ(fold.total().sum, again.sum);
  EXPECT_EQ(fold.total().weights.scaled_sum(), again.weights.scaled_sum());
}

TEST(ShardedBlocks, OneProcessTakesEveryBlockAndShardsEndWhereTheGroupingSays) {
  distributed::SerialCommunicator serial;
  const distributed::ShardedBlocks few(10, 256, serial);
  EXPECT_EQ(few.first(), 0);
  EXPECT_EQ(few.end(), 10);
  for (int64_t b = 0; b < 10; ++b) EXPECT_TRUE(few.ends_shard(b));  // one block per shard
  const distributed::ShardedBlocks many(600, 256, serial);
  int64_t n_shards = 0;
  for (int64_t b = 0; b < 600; ++b) n_shards += many.ends_shard(b);
  EXPECT_EQ(n_shards, 256);
  EXPECT_TRUE(many.ends_shard(599));
}

}  // namespace
}  // namespace valley
