#include "valley/random/philox_normal.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <vector>

#include "support/tolerances.h"
#include "valley/simd/simd_targets.h"

namespace valley {
namespace {

TEST(PhiloxNormal, AnySplitOfAStreamGivesTheSameNumbers) {
  const NoiseKey key{123, Stream::test, 4, 9};
  std::vector<float> whole(1001);
  fill_normal(key, 0, whole);
  for (size_t cut : {1u, 2u, 3u, 5u, 500u, 1000u}) {
    std::vector<float> head(cut), tail(whole.size() - cut);
    fill_normal(key, 0, head);
    fill_normal(key, cut, tail);
    for (size_t i = 0; i < cut; ++i) ASSERT_EQ(head[i], whole[i]) << "cut " << cut;
    for (size_t i = cut; i < whole.size(); ++i) ASSERT_EQ(tail[i - cut], whole[i]) << "cut " << cut;
  }
  EXPECT_EQ(normal_at(key, 777), whole[777]);
}

TEST(PhiloxNormal, AreBoxMullerOfRandom123Philox) {
  // Reference: Random123's Philox4x32-10 words and Box–Muller in double with
  // the C library's log, cos and sin. The polynomial versions agree within a
  // few float ulps of |z| ≤ 6 (1e-5 absolute).
  const NoiseKey key{0x123456789ull, Stream::heat, 77, 5};
  std::vector<float> z(4096);
  fill_normal(key, (uint64_t{1} << 32) * 4 + 8, z);  // blocks above 2^32 too
  for (size_t b = 0; b < z.size() / 4; ++b) {
    const auto w = philox_block(key, (uint64_t{1} << 32) + 2 + b);
    for (int pair = 0; pair < 2; ++pair) {
      const double u1 = uniform_open(w[2 * pair]), u2 = uniform_open(w[2 * pair + 1]);
      const double r = std::sqrt(-2.0 * std::log(u1));
      EXPECT_NEAR(z[4 * b + 2 * pair], r * std::cos(2 * M_PI * u2), 1e-5) << b;
      EXPECT_NEAR(z[4 * b + 2 * pair + 1], r * std::sin(2 * M_PI * u2), 1e-5) << b;
    }
  }
}

TEST(PhiloxNormal, EveryBuildDrawsTheSameBits) {
  // Builds with AVX-512 draw whole groups of blocks with intrinsics; the
  // portable loops must give identical floats, or results would depend on
  // the machine that built valley. Offsets and lengths cover partial blocks,
  // partial groups and counters above 2^32 blocks.
  for (uint64_t offset : {uint64_t{0}, uint64_t{3}, (uint64_t{1} << 34) - 130}) {
    for (std::size_t n :
         {std::size_t{1}, std::size_t{63}, std::size_t{64}, std::size_t{1000}, std::size_t{159010}}) {
      const NoiseKey key{0xFEDCBA9876543210ull, Stream::sgld, 4000000000u, 123456u};
      std::vector<float> fast(n), portable(n);
      fill_normal(key, offset, fast);
      fill_normal_portable(key, offset, portable);
      for (std::size_t t = 0; t < n; ++t)
        ASSERT_EQ(std::bit_cast<uint32_t>(fast[t]), std::bit_cast<uint32_t>(portable[t]))
            << "offset " << offset << ", n " << n << ", t " << t;
    }
  }
}

TEST(PhiloxNormal, EveryInstructionSetDrawsTheSameBits) {
  // One binary carries the kernel for every x86 target and picks one for the
  // CPU it runs on; each target this CPU has, forced in turn, must give the
  // portable loops' floats byte for byte.
  const std::vector<int64_t> targets = available_simd_targets();
  ASSERT_FALSE(targets.empty());
  const NoiseKey key{0x0123456789ABCDEFull, Stream::importance, 3000000000u, 77u};
  for (uint64_t offset : {uint64_t{0}, uint64_t{5}, (uint64_t{1} << 34) - 64}) {
    std::vector<float> portable(10007);
    fill_normal_portable(key, offset, portable);
    for (int64_t target : targets) {
      force_simd_target(target);
      EXPECT_EQ(fill_normal_simd_target(), simd_target_name(target));
      std::vector<float> drawn(portable.size());
      fill_normal(key, offset, drawn);
      EXPECT_EQ(std::memcmp(drawn.data(), portable.data(), drawn.size() * sizeof(float)), 0)
          << simd_target_name(target) << ", offset " << offset;
    }
    reset_simd_target();
  }
  // Without forcing, the best target of this CPU runs.
  EXPECT_EQ(fill_normal_simd_target(), simd_target_name(targets.front()));
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl")) {
    EXPECT_EQ(fill_normal_simd_target(), "AVX3") << "an AVX-512 CPU must get the AVX-512 kernel";
  } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    EXPECT_EQ(fill_normal_simd_target(), "AVX2");
  }
#endif
}

TEST(PhiloxNormal, StreamsDifferBySeedUpdateSampleAndUse) {
  const NoiseKey base{1, Stream::sgld, 2, 3};
  auto first = [](NoiseKey key) { return normal_at(key, 0); };
  NoiseKey other = base;
  other.seed = 2;
  EXPECT_NE(first(base), first(other));
  other = base;
  other.k = 3;
  EXPECT_NE(first(base), first(other));
  other = base;
  other.j = 4;
  EXPECT_NE(first(base), first(other));
  other = base;
  other.stream = Stream::importance;
  EXPECT_NE(first(base), first(other));
}

TEST(PhiloxNormal, HasStandardNormalMoments) {
  constexpr size_t n = 1 << 20;
  std::vector<float> z(n);
  fill_normal(NoiseKey{5, Stream::test, 0, 0}, 0, z);
  double sum = 0, sum2 = 0, sum4 = 0, below = 0;
  for (float v : z) {
    sum += v;
    sum2 += double(v) * v;
    sum4 += double(v) * v * v * v;
    below += v < -1.0f;
  }
  const double mean = sum / n, var = sum2 / n, kurt = sum4 / n, p_below = below / n;
  // Standard errors: mean 1/√n, variance √(2/n), 4th moment √(96/n), P(Z<−1)=0.1587: √(p(1−p)/n).
  EXPECT_NEAR(mean, 0.0, tol::kStandardErrors / std::sqrt(n));
  EXPECT_NEAR(var, 1.0, tol::kStandardErrors * std::sqrt(2.0 / n));
  EXPECT_NEAR(kurt, 3.0, tol::kStandardErrors * std::sqrt(96.0 / n));
  EXPECT_NEAR(p_below, 0.158655, tol::kStandardErrors * std::sqrt(0.1587 * 0.8413 / n));
}

TEST(PhiloxNormal, UniformsStayInsideTheOpenInterval) {
  EXPECT_GT(uniform_open(0u), 0.0f);
  EXPECT_LT(uniform_open(0xFFFFFFFFu), 1.0f);
}

}  // namespace
}  // namespace valley
