// The per-thread body of Alg. 5's iteration on the kernel device
// (backends/cuda/mlp_kernels.cu), eq. 17 for coordinate i:
//   x^j_i = x^{j−1}_i − a_j {x^{j−1}_i − x_{k,i} + (τ/M) Σ_m ∇f(z^(m))_i}
// rounded in the order of methods/heat.cpp's expression
//   x_j −= a_j · ((x_j − x) + (τ/M) · grad_sum)
// (no fused multiply-add): given the same gradient sum, the CPU's bits.
#pragma once

#include <cstdint>

#include "valley/random/box_muller.h"

namespace valley::kernels {

VALLEY_HD inline void robbins_monro_update_at(float* x_j, const float* x_k, const float* grad_sum, float a_j,
                                              float tau_over_m, int64_t i) {
  const float inner = rounded::add(rounded::sub(x_j[i], x_k[i]), rounded::mul(tau_over_m, grad_sum[i]));
  x_j[i] = rounded::sub(x_j[i], rounded::mul(a_j, inner));
}

}  // namespace valley::kernels
