// The perturbed samples of Alg. 4 (the CPU reference: sampling/importance.cpp)
// and Alg. 5 (heat's M draws), bodies in backends/kernels/importance_bodies.h. Per update of 784-200-10 at B
// = 20, J = 1000: the perturbed first layer is J·B·n_0·n_1 = 3.1 G multiply-adds and J·d = 159 M normals,
// each drawn alone (one Philox block per normal: four times the Philox work of fill_normal); the weighted
// noise sum regenerates the same 159 M normals a block of four at a time. No noise is stored: besides the
// parameters, the minibatch and the per-chunk activations (S·B·n_1 floats), the only traffic is the G·d
// partial sums.
#include "valley/backends/cuda/launchers.h"

namespace valley::cuda {
namespace {

using namespace kernels;

constexpr int kThreads = 128;

__global__ void perturbed_first_layer_kernel(PerturbedFirstLayer p) {
  const int c = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
  if (c >= p.n_out) return;
  perturbed_first_layer_at(p, blockIdx.y, c);
}

__global__ void perturbed_rest_kernel(const float* x, int64_t rest_offset, int64_t n_rest, float sigma,
                                      NoiseLayout noise, float* out) {
  const int64_t t = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (t >= n_rest) return;
  perturbed_rest_at(x, rest_offset, n_rest, sigma, noise, out, blockIdx.y, t);
}

__global__ void sample_loss_kernel(const double* row_loss, int batch_size, double* loss, int64_t n_samples) {
  const int64_t s = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (s < n_samples) sample_loss_at(row_loss, batch_size, loss, s);
}

__global__ void weighted_noise_kernel(uint64_t seed, uint32_t k, const float* weights, int64_t n_samples,
                                      int64_t d, float* parts) {
  const int64_t block = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (4 * block >= d) return;
  const int64_t g = blockIdx.y, n_parts = gridDim.y;
  const int64_t j_begin = n_samples * g / n_parts, j_end = n_samples * (g + 1) / n_parts;
  weighted_noise_at(seed, k, weights, j_begin, j_end, d, parts + g * d, block);
}

__global__ void sum_parts_kernel(const float* parts, int n_parts, int64_t d, float* out) {
  const int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (i < d) sum_parts_at(parts, n_parts, d, out, i);
}

unsigned grid_for(int64_t n) { return static_cast<unsigned>((n + kThreads - 1) / kThreads); }

}  // namespace

void launch_perturbed_first_layer(const PerturbedFirstLayer& p, int64_t n_samples, cudaStream_t stream) {
  const dim3 grid(grid_for(p.n_out), static_cast<unsigned>(n_samples));
  perturbed_first_layer_kernel<<<grid, kThreads, 0, stream>>>(p);
}

void launch_perturbed_rest(const float* x, int64_t rest_offset, int64_t n_rest, float sigma,
                           const NoiseLayout& noise, float* out, int64_t n_samples, cudaStream_t stream) {
  if (n_rest <= 0) return;
  const dim3 grid(grid_for(n_rest), static_cast<unsigned>(n_samples));
  perturbed_rest_kernel<<<grid, kThreads, 0, stream>>>(x, rest_offset, n_rest, sigma, noise, out);
}

void launch_sample_loss(const double* row_loss, int batch_size, double* loss, int64_t n_samples,
                        cudaStream_t stream) {
  sample_loss_kernel<<<grid_for(n_samples), kThreads, 0, stream>>>(row_loss, batch_size, loss, n_samples);
}

void launch_weighted_noise(uint64_t seed, uint32_t k, const float* weights, int64_t n_samples, int64_t d,
                           int n_parts, float* parts, cudaStream_t stream) {
  const dim3 grid(grid_for((d + 3) / 4), static_cast<unsigned>(n_parts));
  weighted_noise_kernel<<<grid, kThreads, 0, stream>>>(seed, k, weights, n_samples, d, parts);
}

void launch_sum_parts(const float* parts, int n_parts, int64_t d, float* out, cudaStream_t stream) {
  sum_parts_kernel<<<grid_for(d), kThreads, 0, stream>>>(parts, n_parts, d, out);
}

}  // namespace valley::cuda
