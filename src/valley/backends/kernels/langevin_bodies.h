// The per-thread body of one step of Alg. 3's chain on the kernel device
// (backends/cuda/step_kernels.cu), as sampling/sgld.cpp's langevin_step
// computes it, coordinate i:
//   y_i ← y_i − (ε_j/2) (∇f(y)_i + (y_i − x_i) c_i) + s_j z_i,  z_i ∼ N(0, 1)
//   Σ_j ε_j y^j: sums_i ← sums_i + ε_j y_i
//   (diagonal prior) Σ_j ε_j (y^j − x)²: squares_i ← squares_i + ε_j (y_i − x_i)²
// with c_i = 1/τ, or 1/s_i for a diagonal prior, and s_j = √ε_j (or ε_j:
// --sgld-noise stddev). z_i is the CPU's normal of (seed, sgld, k, j) at the
// chain's offset + i, drawn in registers. Every operation is rounded as the
// CPU's (no fused multiply-add): given the same ∇f(y), a step gives the
// CPU's bits.
#pragma once

#include <cstdint>

#include "valley/random/box_muller.h"

namespace valley::kernels {

struct LangevinStep {
  float* y = nullptr;             // the chain's state
  float* sums = nullptr;          // Σ_j ε_j y^j
  float* squares = nullptr;       // Σ_j ε_j (y^j − x)² (diagonal prior only)
  const float* centre = nullptr;  // x
  const float* grad = nullptr;    // ∇f(y^{j−1})
  const float* inv_s = nullptr;   // 1/s of a diagonal prior; null: isotropic
  float inv_tau = 0.0f;
  float half_eps = 0.0f;     // ε_j / 2
  float noise_scale = 0.0f;  // s_j
  float eps = 0.0f;          // ε_j
  NoiseKey key;              // (seed, sgld, k, j)
  uint64_t offset = 0;       // the chain's first coordinate in the stream (c·d)
};

VALLEY_HD inline void langevin_step_at(const LangevinStep& step, int64_t i) {
  const float coupling = step.inv_s != nullptr ? step.inv_s[i] : step.inv_tau;
  const float z = normal_of(step.key, step.offset + static_cast<uint64_t>(i));
  const float y = step.y[i], centre = step.centre[i];
  // y += −(ε/2) (g + (y − x) c) + s z, in the CPU's order
  const float drift = rounded::mul(
      -step.half_eps, rounded::add(step.grad[i], rounded::mul(rounded::sub(y, centre), coupling)));
  const float next = rounded::add(y, rounded::add(drift, rounded::mul(step.noise_scale, z)));
  step.y[i] = next;
  step.sums[i] = rounded::add(step.sums[i], rounded::mul(step.eps, next));
  if (step.squares != nullptr) {
    const float r = rounded::sub(next, centre);
    step.squares[i] = rounded::add(step.squares[i], rounded::mul(rounded::mul(step.eps, r), r));
  }
}

}  // namespace valley::kernels
