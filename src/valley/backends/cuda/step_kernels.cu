// The coordinate-wise steps, one thread per coordinate (bodies in
// backends/kernels/): SGD's x ← x − lr g, one step of Alg. 3's chain (its
// normal drawn in registers: one Philox block per coordinate) and eq. 17's
// Robbins–Monro update. Each reads and writes a few d-vectors: 2.5–6 MB
// per step for 784-200-10, bandwidth bound (about 1–2 µs at 3 TB/s), so
// SGLD's J = 1000 steps are bound by their ~9 launches each.
#include "valley/backends/cuda/launchers.h"
#include "valley/backends/kernels/robbins_monro_bodies.h"

namespace valley::cuda {
namespace {

using namespace kernels;

constexpr int kThreads = 256;

unsigned grid_for(int64_t n) { return static_cast<unsigned>((n + kThreads - 1) / kThreads); }

__global__ void sgd_update_kernel(float* x, const float* grad, float lr, int64_t d) {
  const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (i < d) sgd_update_at(x, grad, lr, i);
}

__global__ void langevin_step_kernel(LangevinStep step, int64_t d) {
  const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (i < d) langevin_step_at(step, i);
}

__global__ void robbins_monro_update_kernel(float* x_j, const float* x_k, const float* grad_sum, float a_j,
                                            float tau_over_m, int64_t d) {
  const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (i < d) robbins_monro_update_at(x_j, x_k, grad_sum, a_j, tau_over_m, i);
}

}  // namespace

void launch_sgd_update(float* x, const float* grad, float lr, int64_t d, cudaStream_t stream) {
  sgd_update_kernel<<<grid_for(d), kThreads, 0, stream>>>(x, grad, lr, d);
}

void launch_langevin_step(const LangevinStep& step, int64_t d, cudaStream_t stream) {
  langevin_step_kernel<<<grid_for(d), kThreads, 0, stream>>>(step, d);
}

void launch_robbins_monro_update(float* x_j, const float* x_k, const float* grad_sum, float a_j,
                                 float tau_over_m, int64_t d, cudaStream_t stream) {
  robbins_monro_update_kernel<<<grid_for(d), kThreads, 0, stream>>>(x_j, x_k, grad_sum, a_j, tau_over_m, d);
}

}  // namespace valley::cuda
