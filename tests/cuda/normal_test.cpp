// The GPU draws the CPU's normals bit for bit (random/box_muller.h).
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "cuda/cuda_test.h"
#include "valley/random/philox_normal.h"

namespace valley {
namespace {

using CudaNormals = testing::CudaTest;

TEST_F(CudaNormals, GpuBuffersEqualCpuBuffersByteForByte) {
  // Several keys (high seed bits, every stream of the estimators, k and j
  // near 2^32), offsets that start inside a Philox block and counters above
  // 2^32 blocks, lengths that end inside one.
  const NoiseKey keys[] = {{1, Stream::importance, 0, 0},
                           {0xFEDCBA9876543210ull, Stream::sgld, 4000000000u, 123456u},
                           {42, Stream::heat, 17, 999},
                           {7, Stream::test, 1, 4294967295u}};
  for (const NoiseKey& key : keys)
    for (const uint64_t offset : {uint64_t{0}, uint64_t{1}, uint64_t{3}, (uint64_t{1} << 34) - 130})
      for (const std::size_t n : {std::size_t{1}, std::size_t{2}, std::size_t{7}, std::size_t{1000},
                                  std::size_t{159010}, std::size_t{1} << 22}) {
        std::vector<float> cpu(n), gpu(n, -1.0f);
        fill_normal(key, offset, cpu);
        device().fill_normal(key, offset, gpu);
        ASSERT_EQ(std::memcmp(cpu.data(), gpu.data(), n * sizeof(float)), 0)
            << "seed " << key.seed << " stream " << static_cast<int>(key.stream) << " offset " << offset
            << " n " << n;
      }
}

}  // namespace
}  // namespace valley
