// The network's forward and backward passes (the CPU reference: model/mlp.cpp),
// one thread per output entry, each sum in a fixed order (mlp_bodies.h).
// Per SGD update of 784-200-10 at B = 20: two products of 3.1 M
// multiply-adds (z_1 and ∂f/∂W_1) and 0.1 M for the layers above; 0.64 MB of
// parameters read about three times and written once: a few microseconds of
// work at an H100's rates (67 TFLOP/s FP32, 3 TB/s), so the
// update is bound by its 9 launches (2 forward, 1 loss, 5 backward, 1 step), not by flops or bytes.
// Heat's M draws share one launch per layer: S = M problems.
#include "valley/backends/cuda/launchers.h"

namespace valley::cuda {
namespace {

using namespace kernels;

constexpr int kThreads = 256;

unsigned grid_for(int64_t n) { return static_cast<unsigned>((n + kThreads - 1) / kThreads); }

__global__ void dense_forward_kernel(DenseShape shape, int64_t n_problems, const float* in, const float* w,
                                     const float* b, float* z, float* h) {
  const int64_t t = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  const int64_t per_problem = static_cast<int64_t>(shape.batch_size) * shape.n_out;
  if (t >= n_problems * per_problem) return;
  const int64_t s = t / per_problem;
  const int64_t e = t % per_problem;
  dense_forward_at(shape, in, w, b, z, h, s, static_cast<int>(e / shape.n_out),
                   static_cast<int>(e % shape.n_out));
}

__global__ void softmax_cross_entropy_kernel(int n_classes, int batch_size, const float* z, int64_t stride,
                                             const uint8_t* labels, double* row_loss, float* dz,
                                             int64_t n_problems) {
  const int64_t t = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (t >= n_problems * batch_size) return;
  softmax_cross_entropy_at(n_classes, batch_size, z, stride, labels, row_loss, dz, t / batch_size,
                           static_cast<int>(t % batch_size));
}

__global__ void weight_gradient_kernel(DenseShape shape, int64_t n_problems, const float* in, const float* dz,
                                       float* grad_w) {
  const int64_t t = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (t >= static_cast<int64_t>(shape.n_in) * shape.n_out) return;
  weight_gradient_at(shape, n_problems, in, dz, grad_w, static_cast<int>(t / shape.n_out),
                     static_cast<int>(t % shape.n_out));
}

__global__ void bias_gradient_kernel(DenseShape shape, int64_t n_problems, const float* dz, float* grad_b) {
  const int t = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
  if (t >= shape.n_out) return;
  bias_gradient_at(shape, n_problems, dz, grad_b, t);
}

__global__ void input_gradient_kernel(DenseShape shape, int64_t n_problems, const float* dz, const float* w,
                                      const float* z_below, float* dz_below) {
  const int64_t t = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  const int64_t per_problem = static_cast<int64_t>(shape.batch_size) * shape.n_in;
  if (t >= n_problems * per_problem) return;
  const int64_t e = t % per_problem;
  input_gradient_at(shape, dz, w, z_below, dz_below, t / per_problem, static_cast<int>(e / shape.n_in),
                    static_cast<int>(e % shape.n_in));
}

}  // namespace

void launch_dense_forward(const DenseShape& shape, int64_t n_problems, const float* in, const float* w,
                          const float* b, float* z, float* h, cudaStream_t stream) {
  const int64_t n = n_problems * shape.batch_size * shape.n_out;
  dense_forward_kernel<<<grid_for(n), kThreads, 0, stream>>>(shape, n_problems, in, w, b, z, h);
}

void launch_softmax_cross_entropy(int n_classes, int batch_size, const float* z, int64_t stride,
                                  const uint8_t* labels, double* row_loss, float* dz, int64_t n_problems,
                                  cudaStream_t stream) {
  softmax_cross_entropy_kernel<<<grid_for(n_problems * batch_size), kThreads, 0, stream>>>(
      n_classes, batch_size, z, stride, labels, row_loss, dz, n_problems);
}

void launch_weight_gradient(const DenseShape& shape, int64_t n_problems, const float* in, const float* dz,
                            float* grad_w, cudaStream_t stream) {
  weight_gradient_kernel<<<grid_for(static_cast<int64_t>(shape.n_in) * shape.n_out), kThreads, 0, stream>>>(
      shape, n_problems, in, dz, grad_w);
}

void launch_bias_gradient(const DenseShape& shape, int64_t n_problems, const float* dz, float* grad_b,
                          cudaStream_t stream) {
  bias_gradient_kernel<<<grid_for(shape.n_out), kThreads, 0, stream>>>(shape, n_problems, dz, grad_b);
}

void launch_input_gradient(const DenseShape& shape, int64_t n_problems, const float* dz, const float* w,
                           const float* z_below, float* dz_below, cudaStream_t stream) {
  const int64_t n = n_problems * shape.batch_size * shape.n_in;
  input_gradient_kernel<<<grid_for(n), kThreads, 0, stream>>>(shape, n_problems, dz, w, z_below, dz_below);
}

}  // namespace valley::cuda
