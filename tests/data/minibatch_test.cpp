#include "valley/data/minibatch.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace valley {
namespace {

TEST(MinibatchSampler, EachEpochVisitsEveryExampleOnce) {
  // 100 examples, batch 20: updates 0–4 form epoch 0, 5–9 epoch 1.
  MinibatchSampler sampler(100, 20, 7);
  for (uint64_t epoch = 0; epoch < 2; ++epoch) {
    std::vector<int64_t> seen;
    for (uint64_t k = epoch * 5; k < epoch * 5 + 5; ++k) {
      std::vector<int64_t> batch(20);
      sampler.outer_indices(k, batch);
      seen.insert(seen.end(), batch.begin(), batch.end());
    }
    std::sort(seen.begin(), seen.end());
    for (int64_t i = 0; i < 100; ++i) EXPECT_EQ(seen[static_cast<size_t>(i)], i);
  }
}

TEST(MinibatchSampler, IsAPureFunctionOfSeedAndUpdate) {
  MinibatchSampler a(1000, 20, 3), b(1000, 20, 3), c(1000, 20, 4);
  std::vector<int64_t> x(20), y(20), z(20);
  a.outer_indices(57, x);
  b.outer_indices(3, y);  // a different epoch first: the cache must not matter
  b.outer_indices(57, y);
  c.outer_indices(57, z);
  EXPECT_EQ(x, y);
  EXPECT_NE(x, z);
}

TEST(MinibatchSampler, FreshInnerBatchesDifferPerStepAndStayInRange) {
  MinibatchSampler sampler(50, 20, 1);
  std::vector<int64_t> a(20), b(20);
  sampler.inner_indices(4, 0, a);
  sampler.inner_indices(4, 1, b);
  EXPECT_NE(a, b);
  for (int64_t i : a) EXPECT_TRUE(i >= 0 && i < 50);
}

TEST(SampleWithoutReplacement, DistinctAndInRange) {
  auto s = sample_without_replacement(1000, 300, 9, 3);
  ASSERT_EQ(s.size(), 300u);
  std::sort(s.begin(), s.end());
  EXPECT_EQ(std::adjacent_find(s.begin(), s.end()), s.end());
  EXPECT_GE(s.front(), 0);
  EXPECT_LT(s.back(), 1000);
}

}  // namespace
}  // namespace valley
