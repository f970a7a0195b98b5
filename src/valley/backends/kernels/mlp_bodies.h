// The per-thread bodies of the network's kernels (backends/cuda/mlp_kernels.cu):
// plain __host__ __device__ functions, one output entry each. The CUDA
// kernels only compute their thread's indices and call these, and the host
// kernels (emulated_kernels.h) run every body over its whole grid on the CPU, so
// the tests check the kernel device against the reference network
// (model/mlp.cpp) on any machine. Each sum runs in one fixed order (no
// atomics), so a kernel gives the same bits on every run.
//
// S independent problems share one launch (S perturbed samples in IS, S
// draws in heat; S = 1 for SGD and SGLD): a stride of 0 shares that operand
// between them. The gradients of W and b are summed over the S problems
// (heat needs only Σ_m ∇f(z^(m))).
// B = batch size, n_in/n_out = widths of the layer, C = classes.
#pragma once

#include <cmath>
#include <cstdint>

#include "valley/random/box_muller.h"

namespace valley::kernels {

struct DenseShape {
  int batch_size = 0;
  int n_in = 0;
  int n_out = 0;
  int64_t in_stride = 0;     // between the S inputs (B × n_in each)
  int64_t param_stride = 0;  // between the S parameter sets (W then b, as in x)
  int64_t out_stride = 0;    // between the S outputs (B × n_out each)
};

// z = h_in W + 1 bᵀ at entry (s, r, c); h = ReLU(z) too when h is given.
// w points at W (n_in × n_out, row-major) of problem 0, b at its bias.
VALLEY_HD inline void dense_forward_at(const DenseShape& shape, const float* in, const float* w,
                                       const float* b, float* z, float* h, int64_t s, int r, int c) {
  const float* in_row = in + s * shape.in_stride + static_cast<int64_t>(r) * shape.n_in;
  const float* w_s = w + s * shape.param_stride;
  float acc = 0.0f;
  for (int i = 0; i < shape.n_in; ++i) acc += in_row[i] * w_s[static_cast<int64_t>(i) * shape.n_out + c];
  const float out = b[s * shape.param_stride + c] + acc;
  const int64_t o = s * shape.out_stride + static_cast<int64_t>(r) * shape.n_out + c;
  z[o] = out;
  if (h != nullptr) h[o] = out > 0.0f ? out : 0.0f;
}

// Row (s, r) of the softmax cross-entropy, as Mlp::forward_from computes it:
// row_loss[s·B + r] = logsumexp(z) − z_y in double; with dz given,
// dz = (softmax(z) − onehot(y)) / B, the start of backpropagation.
VALLEY_HD inline void softmax_cross_entropy_at(int n_classes, int batch_size, const float* z_all,
                                               int64_t stride, const uint8_t* labels, double* row_loss,
                                               float* dz, int64_t s, int r) {
  const float* z = z_all + s * stride + static_cast<int64_t>(r) * n_classes;
  float* dz_row = dz == nullptr ? nullptr : dz + s * stride + static_cast<int64_t>(r) * n_classes;
  float max_z = z[0];
  for (int c = 1; c < n_classes; ++c) max_z = z[c] > max_z ? z[c] : max_z;
  double sum = 0.0;
  for (int c = 0; c < n_classes; ++c) sum += ::exp(static_cast<double>(z[c]) - static_cast<double>(max_z));
  const int y = labels[r];
  row_loss[s * batch_size + r] = static_cast<double>(max_z) + ::log(sum) - static_cast<double>(z[y]);
  if (dz == nullptr) return;
  const double inv_sum = 1.0 / sum;
  const float inv_b = 1.0f / static_cast<float>(batch_size);
  for (int c = 0; c < n_classes; ++c) {
    const float p =
        static_cast<float>(::exp(static_cast<double>(z[c]) - static_cast<double>(max_z)) * inv_sum);
    dz_row[c] = rounded::mul(rounded::sub(p, c == y ? 1.0f : 0.0f), inv_b);
  }
}

// ∂f/∂W[i, c] = Σ_s Σ_r h_in^(s)[r, i] ∂f/∂z^(s)[r, c], summed over the S problems
VALLEY_HD inline void weight_gradient_at(const DenseShape& shape, int64_t n_problems, const float* in,
                                         const float* dz, float* grad_w, int i, int c) {
  float acc = 0.0f;
  for (int64_t s = 0; s < n_problems; ++s) {
    const float* in_s = in + s * shape.in_stride;
    const float* dz_s = dz + s * shape.out_stride;
    for (int r = 0; r < shape.batch_size; ++r)
      acc += in_s[static_cast<int64_t>(r) * shape.n_in + i] * dz_s[static_cast<int64_t>(r) * shape.n_out + c];
  }
  grad_w[static_cast<int64_t>(i) * shape.n_out + c] = acc;
}

// ∂f/∂b[c] = Σ_s Σ_r ∂f/∂z^(s)[r, c]
VALLEY_HD inline void bias_gradient_at(const DenseShape& shape, int64_t n_problems, const float* dz,
                                       float* grad_b, int c) {
  float acc = 0.0f;
  for (int64_t s = 0; s < n_problems; ++s)
    for (int r = 0; r < shape.batch_size; ++r)
      acc = rounded::add(acc, dz[s * shape.out_stride + static_cast<int64_t>(r) * shape.n_out + c]);
  grad_b[c] = acc;
}

// Problem s: ∂f/∂z_below[r, i] = (Σ_c ∂f/∂z[r, c] W[i, c]) · [z_below[r, i] > 0];
// z_below and dz_below have the stride of the layer's inputs.
VALLEY_HD inline void input_gradient_at(const DenseShape& shape, const float* dz, const float* w,
                                        const float* z_below, float* dz_below, int64_t s, int r, int i) {
  const float* dz_row = dz + s * shape.out_stride + static_cast<int64_t>(r) * shape.n_out;
  const float* w_s = w + s * shape.param_stride;
  float acc = 0.0f;
  for (int c = 0; c < shape.n_out; ++c) acc += dz_row[c] * w_s[static_cast<int64_t>(i) * shape.n_out + c];
  const int64_t o = s * shape.in_stride + static_cast<int64_t>(r) * shape.n_in + i;
  dz_below[o] = z_below[o] > 0.0f ? acc : 0.0f;
}

// x_i ← x_i − lr g_i  (plain SGD, rounded as the CPU's x −= lr·g)
VALLEY_HD inline void sgd_update_at(float* x, const float* grad, float lr, int64_t i) {
  x[i] = rounded::sub(x[i], rounded::mul(lr, grad[i]));
}

}  // namespace valley::kernels
