// The kernels that measure the card's ceilings for valley bench
// (backends/kernels/ceiling_bodies.h): FP32 fused multiply-adds in registers
// (nvcc contracts a·b + c into one FMA: -fmad stays on), and a copy.
#include "valley/backends/cuda/launchers.h"
#include "valley/backends/kernels/ceiling_bodies.h"

namespace valley::cuda {
namespace {

using namespace kernels;

constexpr int kThreads = 256;

unsigned grid_for(int64_t n) { return static_cast<unsigned>((n + kThreads - 1) / kThreads); }

__global__ void fma_chain_kernel(float* out, int64_t n_threads, int iterations) {
  const int64_t t = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (t < n_threads) fma_chain_at(out, iterations, t);
}

__global__ void copy_kernel(float* to, const float* from, int64_t n) {
  const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (i < n) copy_at(to, from, i);
}

}  // namespace

void launch_fma_chain(float* out, int64_t n_threads, int iterations, cudaStream_t stream) {
  fma_chain_kernel<<<grid_for(n_threads), kThreads, 0, stream>>>(out, n_threads, iterations);
}

void launch_copy(float* to, const float* from, int64_t n, cudaStream_t stream) {
  copy_kernel<<<grid_for(n), kThreads, 0, stream>>>(to, from, n);
}

}  // namespace valley::cuda
