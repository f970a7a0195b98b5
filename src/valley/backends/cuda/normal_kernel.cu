// Normals on the device: the CPU's fill_normal (random/philox_normal.h),
// bit for bit. One thread per Philox block of four coordinates, the blocks
// at either end of [offset, offset + n) written in part.
// Per normal: 4 bytes written, about 45 instructions (Philox's 10 rounds
// shared by four, Box–Muller's log, sin/cos and square root): compute bound.
#include "valley/backends/cuda/launchers.h"

namespace valley::cuda {
namespace {

__global__ void fill_normal_kernel(NoiseKey key, uint64_t offset, float* out, int64_t n) {
  const uint64_t first_block = offset / 4;
  const uint64_t block = first_block + blockIdx.x * static_cast<uint64_t>(blockDim.x) + threadIdx.x;
  const uint64_t end = offset + static_cast<uint64_t>(n);
  if (4 * block >= end) return;
  float z[4];
  normals_of_block(key, block, z);
  for (int q = 0; q < 4; ++q) {
    const uint64_t i = 4 * block + q;
    if (i >= offset && i < end) out[i - offset] = z[q];
  }
}

}  // namespace

void launch_fill_normal(const NoiseKey& key, uint64_t offset, float* out, int64_t n, cudaStream_t stream) {
  if (n <= 0) return;
  const uint64_t n_blocks = (offset + static_cast<uint64_t>(n) + 3) / 4 - offset / 4;
  constexpr int kThreads = 256;
  const auto grid = static_cast<unsigned>((n_blocks + kThreads - 1) / kThreads);
  fill_normal_kernel<<<grid, kThreads, 0, stream>>>(key, offset, out, n);
}

}  // namespace valley::cuda
