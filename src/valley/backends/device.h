// An accelerator's part of an update (docs/GPU.md). The CPU backend
// (backends/backend.h) lends methods threads and noise in host memory; a
// Device instead runs the heavy part of a whole update in one sequence of
// its own kernels, with the parameters, the minibatch and every sample
// resident in its memory for the update, and hands back only what the
// method's own few lines of algorithm need: f, ∇f, the new x, the sums of
// eq. 16, a chain's sums. The methods and estimators that use a device
// (methods/sgd.h, sampling/importance.h, sampling/sgld.h and methods/heat.h
// when given one, and their projected samplers) keep those lines and the schedules (lr,
// ε_j, a_j, τ); the outer loop of Algorithm 1 (methods/local_entropy.h) is
// shared with the CPU unchanged. backends/kernels/kernel_device.h is the
// one implementation: sequences of kernel launches.
//
// Noise: the device draws the same normals as the CPU, bit for bit, for the
// same (seed, stream, k, j, i) (random/box_muller.h). Sums over images,
// units and samples run in a different order (and with fused multiply-adds)
// than the CPU's GEMMs: results agree with the CPU's to the tolerance the
// tests state, and are the same from run to run on one device.
// B = batch size, d = parameters, J = samples.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "valley/core/types.h"
#include "valley/model/net_spec.h"
#include "valley/random/noise_key.h"

namespace valley {

// The network and the minibatch one update runs on, in host memory.
struct MlpBatch {
  const NetSpec* spec = nullptr;
  const float* images = nullptr;    // B × n_0, row-major
  const uint8_t* labels = nullptr;  // B
  int batch_size = 0;
};

// What Alg. 4's J log-weights a_j = −β f(x + σ ξ_j) sum to, with the
// largest as the unit: Σ_j w^j = exp(max) · scaled_sum (logsumexp.h).
struct ImportanceSums {
  double max_log_weight = 0.0;
  double scaled_sum = 0.0;          // Σ_j exp(a_j − max)
  double scaled_sum_squares = 0.0;  // Σ_j exp(2 (a_j − max))
};

// What a device does at most, measured (Device::measure_ceilings): FP32
// arithmetic, normal draws, memory traffic, and the time of one tiny kernel
// after another in a stream — the floor under each dependent launch.
struct DeviceCeilings {
  double flops_per_second = 0.0;
  double normals_per_second = 0.0;
  double bytes_per_second = 0.0;
  double seconds_per_launch = 0.0;
};

// The step sizes of step j = 1 … J of Alg. 3's chain, as sampling/sgld.cpp
// rounds them: ε_j/2, the noise's scale and ε_j.
struct LangevinRate {
  float half_eps = 0.0f;
  float noise_scale = 0.0f;
  float eps = 0.0f;
};

// One chain of Alg. 3 for one update (sampling/sgld.h): its prior N(x, τI)
// (inv_s null) or N(x, diag(s)) (inv_s = 1/s, d entries in host memory), its
// noise (seed, sgld, k, j) from noise_offset, and one rate per step.
struct LangevinChain {
  float inv_tau = 0.0f;
  const float* inv_s = nullptr;
  uint64_t seed = 0;
  uint32_t k = 0;
  uint64_t noise_offset = 0;
  std::span<const LangevinRate> rates;
};

// Alg. 5's Robbins–Monro iteration for one update (methods/heat.h): M draws
// of noise (seed, heat, k, j) per iteration j, the steps a_1 … a_J, σ = √τ
// and τ/M, each rounded to float as methods/heat.cpp rounds them.
struct RobbinsMonroRun {
  float sigma = 0.0f;
  float tau_over_m = 0.0f;
  int64_t n_draws = 0;  // M
  uint64_t seed = 0;
  uint32_t k = 0;
  std::span<const float> steps;  // a_j, j = 1 … J
};

class Device {
 public:
  virtual ~Device() = default;

  // "cuda:0 NVIDIA H100 80GB HBM3 (driver 13.0)" and the like.
  virtual std::string name() const = 0;
  // What --device names it: "cuda" or "emulate".
  virtual std::string flag() const = 0;

  // Its ceilings, measured now (a fraction of a second), for valley bench.
  virtual DeviceCeilings measure_ceilings() = 0;
  // The kernels it has launched so far.
  virtual int64_t launches() const = 0;

  // out[t] = normal_at(key, offset + t), drawn on the device and copied back:
  // the CPU's bits (for the tests, and for callers that need them on the host).
  virtual void fill_normal(const NoiseKey& key, uint64_t offset, std::span<float> out) = 0;

  // f(x) and ∇f(x) on `batch` (eq. 1), ∇f copied back into grad.
  virtual double loss_and_gradient(ConstVecRef x, const MlpBatch& batch, VecRef grad) = 0;

  // SGD's update in one sequence on the device: f(x), then x ← x − lr ∇f(x).
  // Returns f(x).
  virtual double gradient_step(VecRef x, const MlpBatch& batch, float lr) = 0;

  // The heavy part of Alg. 4 for samples j = 0 … J−1: ξ_j = the normals of
  // NoiseKey{seed, importance, k, j}, a_j = −β f(x + σ ξ_j), and
  // weighted_noise = Σ_j exp(a_j − max) ξ_j (d entries), the noise
  // regenerated from its counters rather than stored. Fails naming the first
  // sample whose loss is NaN, as the CPU estimator does.
  virtual ImportanceSums importance_sums(ConstVecRef x, const MlpBatch& batch, float sigma, double beta,
                                         uint64_t seed, uint32_t k, int64_t n_samples,
                                         VecRef weighted_noise) = 0;

  // The steps of one chain of Alg. 3 from y (the chain's state, updated in
  // place): at step j, ∇f(y) on `batch`, then sampling/sgld.h's step with
  // rate j, accumulating Σ_j ε_j y^j into sums and, with a diagonal prior,
  // Σ_j ε_j (y^j − x)² into squares (both d entries, set, not added to).
  virtual void langevin_chain(ConstVecRef x, const MlpBatch& batch, const LangevinChain& chain, VecRef y,
                              VecRef sums, VecRef* squares) = 0;

  // Alg. 5's update x_k → x_{k+1} = x^J (methods/heat.h): for j = 1 … J,
  // the M perturbed gradients Σ_m ∇f(x^{j−1} + σ ξ_m) on `batch`, then eq. 17.
  virtual void robbins_monro(VecRef x, const MlpBatch& batch, const RobbinsMonroRun& run) = 0;
};
}  // namespace valley
