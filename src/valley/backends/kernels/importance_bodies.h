// The per-thread bodies of the perturbed-sample kernels
// (backends/cuda/importance_kernels.cu), run on the CPU by the emulated kernels,
// as mlp_bodies.h. Alg. 4 (IS) and Alg. 5 (heat) evaluate the network at S
// perturbed points x + σ ξ_s; the noise is generated in registers where it
// is used (noise_layout.h says where sample s's lies) and regenerated,
// never stored. The first layer is never formed at x + σξ:
// z_1(x + σξ) = z_1(x) + σ (X ξ_{W_1} + 1 ξ_{b_1}ᵀ) (model/mlp.h).
// B = batch size, n_0 = inputs, n_1 = units of layer 1, d = parameters.
#pragma once

#include <cstdint>

#include "valley/backends/kernels/noise_layout.h"
#include "valley/random/box_muller.h"

namespace valley::kernels {

// Rows of the minibatch one thread accumulates in registers at a time.
inline constexpr int kRowTile = 32;

struct PerturbedFirstLayer {
  const float* images = nullptr;     // X, B × n_0
  const float* centre_z1 = nullptr;  // z_1(x) = X W_1 + 1 b_1ᵀ, B × n_1
  int batch_size = 0;
  int n_in = 0;             // n_0
  int n_out = 0;            // n_1
  int64_t bias_offset = 0;  // where b_1 starts in x (W_1 starts at 0)
  float sigma = 0.0f;
  NoiseLayout noise;
  float* z = nullptr;  // per sample: z_1(x + σ ξ), B × n_1
  float* h = nullptr;  // per sample: ReLU of it (none when layer 1 is the output)
};

// Column c of sample s: z_1[r, c] = (z_1(x)[r, c] + σ ξ_{b_1}[c]) + σ Σ_i X[r, i] ξ_{W_1}[i, c],
// in the order of Mlp::perturb (bias term first, then the product).
VALLEY_HD inline void perturbed_first_layer_at(const PerturbedFirstLayer& p, int64_t s, int c) {
  const float sigma_xi_b =
      rounded::mul(p.sigma, noise_at(p.noise, s, static_cast<uint64_t>(p.bias_offset + c)));
  const int64_t out = s * p.batch_size * p.n_out;
  for (int r0 = 0; r0 < p.batch_size; r0 += kRowTile) {
    const int rows = p.batch_size - r0 < kRowTile ? p.batch_size - r0 : kRowTile;
    float acc[kRowTile];
    for (int t = 0; t < kRowTile; ++t) acc[t] = 0.0f;
    for (int i = 0; i < p.n_in; ++i) {
      const float xi = noise_at(p.noise, s, static_cast<uint64_t>(i) * p.n_out + c);  // ξ_{W_1}[i, c]
      for (int t = 0; t < kRowTile; ++t)
        if (t < rows) acc[t] += p.images[static_cast<int64_t>(r0 + t) * p.n_in + i] * xi;
    }
    for (int t = 0; t < rows; ++t) {
      const int64_t o = static_cast<int64_t>(r0 + t) * p.n_out + c;
      const float value =
          rounded::add(rounded::add(p.centre_z1[o], sigma_xi_b), rounded::mul(p.sigma, acc[t]));
      p.z[out + o] = value;
      if (p.h != nullptr) p.h[out + o] = value > 0.0f ? value : 0.0f;
    }
  }
}

// Parameter t of layers ≥ 2 of sample s: x_rest + σ ξ_rest (as Mlp::perturb
// forms them), n_rest per sample.
VALLEY_HD inline void perturbed_rest_at(const float* x, int64_t rest_offset, int64_t n_rest, float sigma,
                                        const NoiseLayout& noise, float* out, int64_t s, int64_t t) {
  const uint64_t i = static_cast<uint64_t>(rest_offset + t);
  out[s * n_rest + t] = rounded::add(x[i], rounded::mul(sigma, noise_at(noise, s, i)));
}

// f of sample s: the mean of its B row losses, summed in row order (eq. 1).
VALLEY_HD inline void sample_loss_at(const double* row_loss, int batch_size, double* loss, int64_t s) {
  double total = 0.0;
  for (int r = 0; r < batch_size; ++r) total += row_loss[s * batch_size + r];
  loss[s] = total / batch_size;
}

// Coordinates 4·block … 4·block + 3 of Σ_{j ∈ [j_begin, j_end)} w_j ξ_j, the
// noise regenerated from its counters, summed in j order into part (d entries).
VALLEY_HD inline void weighted_noise_at(uint64_t seed, uint32_t k, const float* weights, int64_t j_begin,
                                        int64_t j_end, int64_t d, float* part, int64_t block) {
  float acc[4] = {0.0f, 0.0f, 0.0f, 0.0f};
  for (int64_t j = j_begin; j < j_end; ++j) {
    const float w = weights[j];
    if (w == 0.0f) continue;  // exp(−β f) underflowed, or f = +∞
    float z[4];
    normals_of_block(NoiseKey{seed, Stream::importance, k, static_cast<uint32_t>(j)},
                     static_cast<uint64_t>(block), z);
    for (int q = 0; q < 4; ++q) acc[q] = rounded::add(acc[q], rounded::mul(w, z[q]));
  }
  for (int q = 0; q < 4; ++q)
    if (4 * block + q < d) part[4 * block + q] = acc[q];
}

// Coordinate i of Σ_g part_g, the parts added in order g = 0 … G−1.
VALLEY_HD inline void sum_parts_at(const float* parts, int n_parts, int64_t d, float* out, int64_t i) {
  float total = 0.0f;
  for (int g = 0; g < n_parts; ++g) total = rounded::add(total, parts[g * d + i]);
  out[i] = total;
}

}  // namespace valley::kernels
