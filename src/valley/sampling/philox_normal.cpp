#include "valley/sampling/philox_normal.h"

#include <algorithm>
#include <bit>
#include <cmath>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace valley {
namespace {

// Philox blocks evaluated together: 16 blocks = 64 normals per pass, enough
// for 512-bit vectors.
constexpr int kLanes = 16;

// Philox4x32-10 on kLanes counters at once: identical to r123::Philox4x32
// (10 rounds, key bumped between rounds), written as loops over lanes.
inline void philox_lanes_portable(uint32_t c0[kLanes], uint32_t c1[kLanes], uint32_t c2[kLanes],
                                  uint32_t c3[kLanes], uint32_t k0, uint32_t k1) {
  constexpr uint64_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;
  constexpr uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      k0 += kW0;
      k1 += kW1;
    }
    for (int l = 0; l < kLanes; ++l) {
      const uint64_t p0 = kM0 * c0[l];
      const uint64_t p1 = kM1 * c2[l];
      const uint32_t n0 = static_cast<uint32_t>(p1 >> 32) ^ c1[l] ^ k0;
      const uint32_t n2 = static_cast<uint32_t>(p0 >> 32) ^ c3[l] ^ k1;
      c0[l] = n0;
      c1[l] = static_cast<uint32_t>(p1);
      c2[l] = n2;
      c3[l] = static_cast<uint32_t>(p0);
    }
  }
}

#if defined(__AVX512F__)
// GCC 12 flags the shift intrinsics' deliberately undefined pass-through
// operand as uninitialized (a false positive inside <avx512fintrin.h>).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
// The same rounds on one 512-bit register per word. Compilers turn the
// portable loop's 32×32→64 products into 64-bit multiplies (vpmullq, several
// µops each); vpmuludq multiplies the even 32-bit lanes directly, so the odd
// lanes are shifted down, multiplied, and the halves blended back.
struct WideProduct {
  __m512i hi, lo;
};

inline WideProduct mul_wide(__m512i a, __m512i m) {
  const __m512i even = _mm512_mul_epu32(a, m);
  const __m512i odd = _mm512_mul_epu32(_mm512_srli_epi64(a, 32), m);
  constexpr __mmask16 kOddLanes = 0xAAAA;
  return {_mm512_mask_blend_epi32(kOddLanes, _mm512_srli_epi64(even, 32), odd),
          _mm512_mask_blend_epi32(kOddLanes, even, _mm512_slli_epi64(odd, 32))};
}

inline void philox_lanes(uint32_t c0[kLanes], uint32_t c1[kLanes], uint32_t c2[kLanes],
                         uint32_t c3[kLanes], uint32_t k0, uint32_t k1) {
  static_assert(kLanes == 16);
  const __m512i m0 = _mm512_set1_epi64(0xD2511F53u), m1 = _mm512_set1_epi64(0xCD9E8D57u);
  __m512i x0 = _mm512_load_si512(c0), x1 = _mm512_load_si512(c1);
  __m512i x2 = _mm512_load_si512(c2), x3 = _mm512_load_si512(c3);
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      k0 += 0x9E3779B9u;
      k1 += 0xBB67AE85u;
    }
    const WideProduct p0 = mul_wide(x0, m0), p1 = mul_wide(x2, m1);
    const __m512i key0 = _mm512_set1_epi32(static_cast<int>(k0));
    const __m512i key1 = _mm512_set1_epi32(static_cast<int>(k1));
    x0 = _mm512_xor_si512(_mm512_xor_si512(p1.hi, x1), key0);
    x2 = _mm512_xor_si512(_mm512_xor_si512(p0.hi, x3), key1);
    x1 = p1.lo;
    x3 = p0.lo;
  }
  _mm512_store_si512(c0, x0);
  _mm512_store_si512(c1, x1);
  _mm512_store_si512(c2, x2);
  _mm512_store_si512(c3, x3);
}
#pragma GCC diagnostic pop
#else
inline void philox_lanes(uint32_t c0[kLanes], uint32_t c1[kLanes], uint32_t c2[kLanes],
                         uint32_t c3[kLanes], uint32_t k0, uint32_t k1) {
  philox_lanes_portable(c0, c1, c2, c3, k0, k1);
}
#endif

// Natural logarithm of a positive normal float (Cephes logf: x = m·2^e with
// m ∈ [√½, √2), a degree-9 polynomial for log(1 + t); error about 1 ulp).
inline float log_positive(float x) {
  const uint32_t bits = std::bit_cast<uint32_t>(x);
  float e = static_cast<float>(static_cast<int32_t>(bits >> 23) - 126);
  float m = std::bit_cast<float>((bits & 0x007FFFFFu) | 0x3F000000u);  // [0.5, 1)
  const bool small = m < 0.707106781186547524f;
  e = small ? e - 1.0f : e;
  m = small ? m + m - 1.0f : m - 1.0f;
  const float z = m * m;
  float y = 7.0376836292e-2f;
  y = y * m - 1.1514610310e-1f;
  y = y * m + 1.1676998740e-1f;
  y = y * m - 1.2420140846e-1f;
  y = y * m + 1.4249322787e-1f;
  y = y * m - 1.6668057665e-1f;
  y = y * m + 2.0000714765e-1f;
  y = y * m - 2.4999993993e-1f;
  y = y * m + 3.3333331174e-1f;
  y = y * m * z;
  y += -2.12194440e-4f * e;
  y += -0.5f * z;
  return m + y + 0.693359375f * e;
}

// sin(2πu) and cos(2πu) for u ∈ (0, 1): u = q/4 + t with |t| ≤ 1/8, then
// Cephes minimax polynomials on [−π/4, π/4] and the quadrant q.
inline void sincos_two_pi(float u, float& s, float& c) {
  const float q = static_cast<float>(static_cast<int32_t>(u * 4.0f + 0.5f));
  const float a = 6.283185307179586f * (u - 0.25f * q);  // exact subtraction
  const float a2 = a * a;
  const float sin_a = a + a * a2 * (-1.6666654611e-1f + a2 * (8.3321608736e-3f + a2 * -1.9515295891e-4f));
  const float cos_a = 1.0f - 0.5f * a2 +
                      a2 * a2 * (4.166664568298827e-2f + a2 * (-1.388731625493765e-3f + a2 * 2.443315711809948e-5f));
  const int quadrant = static_cast<int>(q) & 3;
  const float sin_abs = (quadrant & 1) ? cos_a : sin_a;
  const float cos_abs = (quadrant & 1) ? sin_a : cos_a;
  s = (quadrant & 2) ? -sin_abs : sin_abs;
  c = (quadrant == 1 || quadrant == 2) ? -cos_abs : cos_abs;
}

// Box–Muller: uniforms u1, u2 ∈ (0, 1) to z1 = r cos 2πu2, z2 = r sin 2πu2,
// r = √(−2 log u1).
inline void box_muller(float u1, float u2, float& z1, float& z2) {
  const float r = std::sqrt(-2.0f * log_positive(u1));
  float s, c;
  sincos_two_pi(u2, s, c);
  z1 = r * c;
  z2 = r * s;
}

// The 4·n_blocks normals of Philox blocks first_block … first_block+n_blocks−1.
void normals_of_blocks(const NoiseKey& key, uint64_t first_block, int n_blocks, float* out) {
  alignas(64) uint32_t c0[kLanes], c1[kLanes], c2[kLanes], c3[kLanes];
  for (int l = 0; l < kLanes; ++l) {
    const uint64_t block = first_block + static_cast<uint64_t>(l);
    c0[l] = static_cast<uint32_t>(block);
    c1[l] = key.j;
    c2[l] = key.k;
    c3[l] = static_cast<uint32_t>(key.stream) ^ (static_cast<uint32_t>(block >> 32) << 16);
  }
  philox_lanes(c0, c1, c2, c3, static_cast<uint32_t>(key.seed), static_cast<uint32_t>(key.seed >> 32));
  alignas(64) float z[4][kLanes];
  for (int l = 0; l < kLanes; ++l) {
    box_muller(uniform_open(c0[l]), uniform_open(c1[l]), z[0][l], z[1][l]);
    box_muller(uniform_open(c2[l]), uniform_open(c3[l]), z[2][l], z[3][l]);
  }
  for (int l = 0; l < n_blocks; ++l)
    for (int w = 0; w < 4; ++w) out[4 * l + w] = z[w][l];
}

}  // namespace

float normal_at(const NoiseKey& key, uint64_t i) {
  float z[4 * kLanes];
  normals_of_blocks(key, i / 4, 1, z);
  return z[i % 4];
}

void fill_normal(const NoiseKey& key, uint64_t offset, std::span<float> out) {
  std::size_t t = 0;
  const std::size_t n = out.size();
  // A leading partial block, then groups of whole blocks, then the rest.
  while (t < n && (offset + t) % 4 != 0) {
    out[t] = normal_at(key, offset + t);
    ++t;
  }
  float z[4 * kLanes];
  while (t + 4 <= n) {
    const int n_blocks = static_cast<int>(std::min<std::size_t>(kLanes, (n - t) / 4));
    if (n_blocks == kLanes) {
      normals_of_blocks(key, (offset + t) / 4, kLanes, out.data() + t);
    } else {
      normals_of_blocks(key, (offset + t) / 4, n_blocks, z);
      std::copy_n(z, 4 * n_blocks, out.data() + t);
    }
    t += 4 * static_cast<std::size_t>(n_blocks);
  }
  for (; t < n; ++t) out[t] = normal_at(key, offset + t);
}

void fill_uniform(const NoiseKey& key, uint64_t offset, std::span<float> out) {
  for (std::size_t t = 0; t < out.size(); ++t) {
    const uint64_t i = offset + t;
    out[t] = uniform_open(philox_block(key, i / 4)[i % 4]);
  }
}

}  // namespace valley
