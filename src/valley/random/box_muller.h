// One Philox4x32-10 block and its four standard normals (DESIGN
// "Randomness"), written once for the CPU and the GPU: under nvcc every
// function here is __host__ __device__, so a CUDA kernel draws exactly the
// bits of the CPU's portable path (random/philox_normal.cpp) for the same
// (seed, stream, k, j, i).
//
// Bit-identity on both sides rests on every product and sum below going
// through rounded:: (core/host_device.h). Never build this with
// --use_fast_math.
#pragma once

#include <cstdint>

#include <Random123/philox.h>

#include "valley/core/host_device.h"
#include "valley/random/noise_key.h"

namespace valley {

// The four Philox words for coordinates 4·block … 4·block + 3: the counter
// {lo(block), j, k, stream ^ (hi(block) << 16)} under the key {seed}.
VALLEY_HD inline r123::Philox4x32::ctr_type philox_block(const NoiseKey& key, uint64_t block) {
  const r123::Philox4x32 rng;
  const r123::Philox4x32::ctr_type ctr = {
      {static_cast<uint32_t>(block), key.j, key.k,
       static_cast<uint32_t>(key.stream) ^ (static_cast<uint32_t>(block >> 32) << 16)}};
  const r123::Philox4x32::key_type k = {
      {static_cast<uint32_t>(key.seed), static_cast<uint32_t>(key.seed >> 32)}};
  return rng(ctr, k);
}

// A uniform in the open interval (0, 1) from the top 23 bits of a word: the
// midpoints (n + ½)·2^-23 are all exactly representable below 1 in float.
VALLEY_HD inline float uniform_open(uint32_t bits) {
  return rounded::mul(rounded::add(static_cast<float>(bits >> 9), 0.5f), 0x1p-23f);
}

// A uniform integer in [0, n) (multiply-shift, bias below 2^-32·n).
VALLEY_HD inline uint32_t uniform_below(uint32_t bits, uint32_t n) {
  return static_cast<uint32_t>((static_cast<uint64_t>(bits) * n) >> 32);
}

// Natural logarithm of a positive normal float (Cephes logf: x = m·2^e with
// m ∈ [√½, √2), a degree-9 polynomial for log(1 + t); error about 1 ulp).
VALLEY_HD inline float log_positive(float x) {
  const uint32_t bits = rounded::bits_of(x);
  float e = static_cast<float>(static_cast<int32_t>(bits >> 23) - 126);
  float m = rounded::float_of((bits & 0x007FFFFFu) | 0x3F000000u);  // [0.5, 1)
  const bool small = m < 0.707106781186547524f;
  e = small ? rounded::sub(e, 1.0f) : e;
  m = small ? rounded::sub(rounded::add(m, m), 1.0f) : rounded::sub(m, 1.0f);
  const float z = rounded::mul(m, m);
  float y = 7.0376836292e-2f;
  y = rounded::sub(rounded::mul(y, m), 1.1514610310e-1f);
  y = rounded::add(rounded::mul(y, m), 1.1676998740e-1f);
  y = rounded::sub(rounded::mul(y, m), 1.2420140846e-1f);
  y = rounded::add(rounded::mul(y, m), 1.4249322787e-1f);
  y = rounded::sub(rounded::mul(y, m), 1.6668057665e-1f);
  y = rounded::add(rounded::mul(y, m), 2.0000714765e-1f);
  y = rounded::sub(rounded::mul(y, m), 2.4999993993e-1f);
  y = rounded::add(rounded::mul(y, m), 3.3333331174e-1f);
  y = rounded::mul(rounded::mul(y, m), z);
  y = rounded::add(y, rounded::mul(-2.12194440e-4f, e));
  y = rounded::add(y, rounded::mul(-0.5f, z));
  return rounded::add(rounded::add(m, y), rounded::mul(0.693359375f, e));
}

// sin(2πu) and cos(2πu) for u ∈ (0, 1): u = q/4 + t with |t| ≤ 1/8, then
// Cephes minimax polynomials on [−π/4, π/4] and the quadrant q.
VALLEY_HD inline void sincos_two_pi(float u, float& s, float& c) {
  const float q = static_cast<float>(static_cast<int32_t>(rounded::add(rounded::mul(u, 4.0f), 0.5f)));
  const float a =
      rounded::mul(6.283185307179586f, rounded::sub(u, rounded::mul(0.25f, q)));  // exact subtraction
  const float a2 = rounded::mul(a, a);
  const float sin_a = rounded::add(
      a, rounded::mul(rounded::mul(a, a2),
                      rounded::add(-1.6666654611e-1f,
                                   rounded::mul(a2, rounded::add(8.3321608736e-3f,
                                                                 rounded::mul(a2, -1.9515295891e-4f))))));
  const float cos_a = rounded::add(
      rounded::sub(1.0f, rounded::mul(0.5f, a2)),
      rounded::mul(rounded::mul(a2, a2),
                   rounded::add(4.166664568298827e-2f,
                                rounded::mul(a2, rounded::add(-1.388731625493765e-3f,
                                                              rounded::mul(a2, 2.443315711809948e-5f))))));
  const int quadrant = static_cast<int>(q) & 3;
  const float sin_abs = (quadrant & 1) ? cos_a : sin_a;
  const float cos_abs = (quadrant & 1) ? sin_a : cos_a;
  s = (quadrant & 2) ? -sin_abs : sin_abs;  // negation is exact
  c = (quadrant == 1 || quadrant == 2) ? -cos_abs : cos_abs;
}

// Box–Muller: uniforms u1, u2 ∈ (0, 1) to z1 = r cos 2πu2, z2 = r sin 2πu2,
// r = √(−2 log u1).
VALLEY_HD inline void box_muller(float u1, float u2, float& z1, float& z2) {
  const float r = rounded::sqrt(rounded::mul(-2.0f, log_positive(u1)));
  float s, c;
  sincos_two_pi(u2, s, c);
  z1 = rounded::mul(r, c);
  z2 = rounded::mul(r, s);
}

// The normals of coordinates 4·block … 4·block + 3 of the stream `key`.
VALLEY_HD inline void normals_of_block(const NoiseKey& key, uint64_t block, float z[4]) {
  const r123::Philox4x32::ctr_type w = philox_block(key, block);
  box_muller(uniform_open(w[0]), uniform_open(w[1]), z[0], z[1]);
  box_muller(uniform_open(w[2]), uniform_open(w[3]), z[2], z[3]);
}

// The standard normal number i of the stream `key`, drawn alone (the CPU's
// normal_at in philox_normal.h gives the same bits through its SIMD kernel).
VALLEY_HD inline float normal_of(const NoiseKey& key, uint64_t i) {
  const r123::Philox4x32::ctr_type w = philox_block(key, i / 4);
  const unsigned pair = static_cast<unsigned>(i % 4) / 2;
  float z1, z2;
  box_muller(uniform_open(w[2 * pair]), uniform_open(w[2 * pair + 1]), z1, z2);
  return i % 2 == 0 ? z1 : z2;
}

}  // namespace valley
