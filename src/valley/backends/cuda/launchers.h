// Launchers of valley's CUDA kernels (one family per .cu file beside this
// one), each a grid of the bodies in backends/kernels/. Each launches on
// `stream` and returns at once; cuda_kernels.cpp checks cudaGetLastError
// and synchronizes. Pointers are device memory.
#pragma once

#include <cstdint>

#include <cuda_runtime_api.h>

#include "valley/backends/kernels/importance_bodies.h"
#include "valley/backends/kernels/langevin_bodies.h"
#include "valley/backends/kernels/mlp_bodies.h"

namespace valley::cuda {

using kernels::DenseShape;
using kernels::LangevinStep;
using kernels::NoiseLayout;
using kernels::PerturbedFirstLayer;

// normal_kernel.cu: out[t] = normal_at(key, offset + t), t < n.
void launch_fill_normal(const NoiseKey& key, uint64_t offset, float* out, int64_t n, cudaStream_t stream);

// mlp_kernels.cu
void launch_dense_forward(const DenseShape& shape, int64_t n_problems, const float* in, const float* w,
                          const float* b, float* z, float* h, cudaStream_t stream);
void launch_softmax_cross_entropy(int n_classes, int batch_size, const float* z, int64_t stride,
                                  const uint8_t* labels, double* row_loss, float* dz, int64_t n_problems,
                                  cudaStream_t stream);
void launch_weight_gradient(const DenseShape& shape, int64_t n_problems, const float* in, const float* dz,
                            float* grad_w, cudaStream_t stream);
void launch_bias_gradient(const DenseShape& shape, int64_t n_problems, const float* dz, float* grad_b,
                          cudaStream_t stream);
void launch_input_gradient(const DenseShape& shape, int64_t n_problems, const float* dz, const float* w,
                           const float* z_below, float* dz_below, cudaStream_t stream);

// step_kernels.cu
void launch_sgd_update(float* x, const float* grad, float lr, int64_t d, cudaStream_t stream);
void launch_langevin_step(const LangevinStep& step, int64_t d, cudaStream_t stream);
void launch_robbins_monro_update(float* x_j, const float* x_k, const float* grad_sum, float a_j,
                                 float tau_over_m, int64_t d, cudaStream_t stream);

// importance_kernels.cu
void launch_perturbed_first_layer(const PerturbedFirstLayer& p, int64_t n_samples, cudaStream_t stream);
void launch_perturbed_rest(const float* x, int64_t rest_offset, int64_t n_rest, float sigma,
                           const NoiseLayout& noise, float* out, int64_t n_samples, cudaStream_t stream);
void launch_sample_loss(const double* row_loss, int batch_size, double* loss, int64_t n_samples,
                        cudaStream_t stream);
void launch_weighted_noise(uint64_t seed, uint32_t k, const float* weights, int64_t n_samples, int64_t d,
                           int n_parts, float* parts, cudaStream_t stream);
void launch_sum_parts(const float* parts, int n_parts, int64_t d, float* out, cudaStream_t stream);

// ceiling_kernels.cu
void launch_fma_chain(float* out, int64_t n_threads, int iterations, cudaStream_t stream);
void launch_copy(float* to, const float* from, int64_t n, cudaStream_t stream);

}  // namespace valley::cuda
