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
inline void philox_lanes(uint32_t c0[kLanes], uint32_t c1[kLanes], uint32_t c2[kLanes],
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

// The 4·n_blocks normals of Philox blocks first_block … first_block+n_blocks−1
// (n_blocks ≤ kLanes), by loops over lanes that the compiler vectorizes.
void normals_of_blocks_portable(const NoiseKey& key, uint64_t first_block, int n_blocks, float* out) {
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


#if defined(__AVX512F__)
// GCC 12 flags the shift intrinsics' deliberately undefined pass-through
// operand as uninitialized (a false positive inside <avx512fintrin.h>).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"

// The same 64 normals as normals_of_blocks_portable(key, first_block, 16),
// bit for bit, in AVX-512 registers: every floating-point operation of the
// portable code in the same order (no fused multiply-adds), so builds with
// and without this path draw the same numbers.
//
// Philox: vpmuludq multiplies the low 32 bits of each 64-bit slot. Each word
// is kept as two registers, its even lanes and its odd lanes in the low
// halves of the slots; the products' low halves are then the next round's
// words as they stand and the high halves one shift away. Whatever collects
// in the slots' upper halves is never read.
void normals_of_16_blocks(const NoiseKey& key, uint64_t first_block, float* out) {
  const __m512i lane = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
  // Counters of blocks first_block + 2s (even) and + 2s + 1 (odd), s = 0…7.
  __m512i even[4], odd[4];
  const __m512i block_even = _mm512_add_epi64(_mm512_set1_epi64(static_cast<long long>(first_block)),
                                              _mm512_slli_epi64(lane, 1));
  const __m512i block_odd = _mm512_add_epi64(block_even, _mm512_set1_epi64(1));
  const auto high_word = [&](__m512i block) {  // stream ^ (block >> 32) << 16
    return _mm512_xor_si512(_mm512_set1_epi64(static_cast<uint32_t>(key.stream)),
                            _mm512_slli_epi64(_mm512_srli_epi64(block, 32), 16));
  };
  even[0] = block_even;
  odd[0] = block_odd;
  even[1] = odd[1] = _mm512_set1_epi64(key.j);
  even[2] = odd[2] = _mm512_set1_epi64(key.k);
  even[3] = high_word(block_even);
  odd[3] = high_word(block_odd);
  const __m512i m0 = _mm512_set1_epi64(0xD2511F53u), m1 = _mm512_set1_epi64(0xCD9E8D57u);
  uint32_t k0 = static_cast<uint32_t>(key.seed), k1 = static_cast<uint32_t>(key.seed >> 32);
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      k0 += 0x9E3779B9u;
      k1 += 0xBB67AE85u;
    }
    const __m512i key0 = _mm512_set1_epi64(k0), key1 = _mm512_set1_epi64(k1);
    for (__m512i* w : {even, odd}) {
      const __m512i p0 = _mm512_mul_epu32(w[0], m0), p1 = _mm512_mul_epu32(w[2], m1);
      // 0x96: a ^ b ^ c
      w[0] = _mm512_ternarylogic_epi64(_mm512_srli_epi64(p1, 32), w[1], key0, 0x96);
      w[2] = _mm512_ternarylogic_epi64(_mm512_srli_epi64(p0, 32), w[3], key1, 0x96);
      w[1] = p1;
      w[3] = p0;
    }
  }
  // Back to 16 lanes: even lanes from `even`, odd lanes from `odd`.
  __m512 u[4];
  for (int w = 0; w < 4; ++w) {
    const __m512i word = _mm512_mask_blend_epi32(0xAAAA, even[w], _mm512_slli_epi64(odd[w], 32));
    // uniform_open: ((bits >> 9) + ½) · 2^-23
    u[w] = _mm512_mul_ps(_mm512_add_ps(_mm512_cvtepi32_ps(_mm512_srli_epi32(word, 9)), _mm512_set1_ps(0.5f)),
                         _mm512_set1_ps(0x1p-23f));
  }
  const auto c = [](float v) { return _mm512_set1_ps(v); };
  const auto mul = [](__m512 a, __m512 b) { return _mm512_mul_ps(a, b); };
  const auto add = [](__m512 a, __m512 b) { return _mm512_add_ps(a, b); };
  const auto sub = [](__m512 a, __m512 b) { return _mm512_sub_ps(a, b); };
  // log_positive, operation for operation.
  const auto log_positive_16 = [&](__m512 x) {
    const __m512i bits = _mm512_castps_si512(x);
    __m512 e = _mm512_cvtepi32_ps(_mm512_sub_epi32(_mm512_srli_epi32(bits, 23), _mm512_set1_epi32(126)));
    __m512 m = _mm512_castsi512_ps(_mm512_or_si512(_mm512_and_si512(bits, _mm512_set1_epi32(0x007FFFFF)),
                                                   _mm512_set1_epi32(0x3F000000)));
    const __mmask16 small = _mm512_cmp_ps_mask(m, c(0.707106781186547524f), _CMP_LT_OQ);
    e = _mm512_mask_sub_ps(e, small, e, c(1.0f));
    m = _mm512_mask_blend_ps(small, sub(m, c(1.0f)), sub(add(m, m), c(1.0f)));
    const __m512 z = mul(m, m);
    __m512 y = c(7.0376836292e-2f);
    y = sub(mul(y, m), c(1.1514610310e-1f));
    y = add(mul(y, m), c(1.1676998740e-1f));
    y = sub(mul(y, m), c(1.2420140846e-1f));
    y = add(mul(y, m), c(1.4249322787e-1f));
    y = sub(mul(y, m), c(1.6668057665e-1f));
    y = add(mul(y, m), c(2.0000714765e-1f));
    y = sub(mul(y, m), c(2.4999993993e-1f));
    y = add(mul(y, m), c(3.3333331174e-1f));
    y = mul(mul(y, m), z);
    y = add(y, mul(c(-2.12194440e-4f), e));
    y = add(y, mul(c(-0.5f), z));
    return add(add(m, y), mul(c(0.693359375f), e));
  };
  // box_muller with sincos_two_pi, operation for operation.
  const auto box_muller_16 = [&](__m512 u1, __m512 u2, __m512& z1, __m512& z2) {
    const __m512 r = _mm512_sqrt_ps(mul(c(-2.0f), log_positive_16(u1)));
    const __m512i qi = _mm512_cvttps_epi32(add(mul(u2, c(4.0f)), c(0.5f)));
    const __m512 q = _mm512_cvtepi32_ps(qi);
    const __m512 a = mul(c(6.283185307179586f), sub(u2, mul(c(0.25f), q)));
    const __m512 a2 = mul(a, a);
    const __m512 sin_a =
        add(a, mul(mul(a, a2), add(c(-1.6666654611e-1f), mul(a2, add(c(8.3321608736e-3f), mul(a2, c(-1.9515295891e-4f)))))));
    const __m512 cos_a =
        add(sub(c(1.0f), mul(c(0.5f), a2)),
            mul(mul(a2, a2),
                add(c(4.166664568298827e-2f), mul(a2, add(c(-1.388731625493765e-3f), mul(a2, c(2.443315711809948e-5f)))))));
    const __m512i quadrant = _mm512_and_si512(qi, _mm512_set1_epi32(3));
    const __mmask16 odd_quadrant = _mm512_test_epi32_mask(quadrant, _mm512_set1_epi32(1));
    const __mmask16 lower_half = _mm512_test_epi32_mask(quadrant, _mm512_set1_epi32(2));
    const __mmask16 cos_negative = _mm512_cmpeq_epi32_mask(quadrant, _mm512_set1_epi32(1)) |
                                   _mm512_cmpeq_epi32_mask(quadrant, _mm512_set1_epi32(2));
    const __m512 sin_abs = _mm512_mask_blend_ps(odd_quadrant, sin_a, cos_a);
    const __m512 cos_abs = _mm512_mask_blend_ps(odd_quadrant, cos_a, sin_a);
    // Negation flips the sign bit (integer xor: the float form needs AVX512DQ).
    const __m512i sign = _mm512_set1_epi32(static_cast<int>(0x80000000u));
    const auto negate_where = [&](__m512 v, __mmask16 where) {
      const __m512i bits = _mm512_castps_si512(v);
      return _mm512_castsi512_ps(_mm512_mask_xor_epi32(bits, where, bits, sign));
    };
    const __m512 s = negate_where(sin_abs, lower_half);
    const __m512 co = negate_where(cos_abs, cos_negative);
    z1 = mul(r, co);
    z2 = mul(r, s);
  };
  __m512 z[4];
  box_muller_16(u[0], u[1], z[0], z[1]);
  box_muller_16(u[2], u[3], z[2], z[3]);
  // out[4l + w] = z[w][l]: 4 × 4 transposes within 128-bit lanes, then of
  // the lanes themselves.
  const __m512 t0 = _mm512_unpacklo_ps(z[0], z[1]), t1 = _mm512_unpackhi_ps(z[0], z[1]);
  const __m512 t2 = _mm512_unpacklo_ps(z[2], z[3]), t3 = _mm512_unpackhi_ps(z[2], z[3]);
  const auto lo64 = [](__m512 a, __m512 b) {
    return _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(a), _mm512_castps_pd(b)));
  };
  const auto hi64 = [](__m512 a, __m512 b) {
    return _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(a), _mm512_castps_pd(b)));
  };
  // u_l, lane q: the four normals of block 4q + l.
  const __m512 b0 = lo64(t0, t2), b1 = hi64(t0, t2), b2 = lo64(t1, t3), b3 = hi64(t1, t3);
  const __m512 v0 = _mm512_shuffle_f32x4(b0, b1, 0x44), v1 = _mm512_shuffle_f32x4(b0, b1, 0xEE);
  const __m512 v2 = _mm512_shuffle_f32x4(b2, b3, 0x44), v3 = _mm512_shuffle_f32x4(b2, b3, 0xEE);
  _mm512_storeu_ps(out, _mm512_shuffle_f32x4(v0, v2, 0x88));
  _mm512_storeu_ps(out + 16, _mm512_shuffle_f32x4(v0, v2, 0xDD));
  _mm512_storeu_ps(out + 32, _mm512_shuffle_f32x4(v1, v3, 0x88));
  _mm512_storeu_ps(out + 48, _mm512_shuffle_f32x4(v1, v3, 0xDD));
}
#pragma GCC diagnostic pop
#endif

// The 4·n_blocks normals of Philox blocks first_block … first_block+n_blocks−1.
void normals_of_blocks(const NoiseKey& key, uint64_t first_block, int n_blocks, float* out) {
#if defined(__AVX512F__)
  if (n_blocks == kLanes) {
    normals_of_16_blocks(key, first_block, out);
    return;
  }
#endif
  normals_of_blocks_portable(key, first_block, n_blocks, out);
}

// fill_normal, with `blocks` producing up to kLanes Philox blocks' normals.
template <typename Blocks>
void fill_normal_with(const NoiseKey& key, uint64_t offset, std::span<float> out, const Blocks& blocks) {
  std::size_t t = 0;
  const std::size_t n = out.size();
  float z[4 * kLanes];
  const auto one = [&](uint64_t i) {
    blocks(key, i / 4, 1, z);
    return z[i % 4];
  };
  // A leading partial block, then groups of whole blocks, then the rest.
  while (t < n && (offset + t) % 4 != 0) {
    out[t] = one(offset + t);
    ++t;
  }
  while (t + 4 <= n) {
    const int n_blocks = static_cast<int>(std::min<std::size_t>(kLanes, (n - t) / 4));
    if (n_blocks == kLanes) {
      blocks(key, (offset + t) / 4, kLanes, out.data() + t);
    } else {
      blocks(key, (offset + t) / 4, n_blocks, z);
      std::copy_n(z, 4 * n_blocks, out.data() + t);
    }
    t += 4 * static_cast<std::size_t>(n_blocks);
  }
  for (; t < n; ++t) out[t] = one(offset + t);
}

}  // namespace

float normal_at(const NoiseKey& key, uint64_t i) {
  float z[4 * kLanes];
  normals_of_blocks(key, i / 4, 1, z);
  return z[i % 4];
}

void fill_normal(const NoiseKey& key, uint64_t offset, std::span<float> out) {
  fill_normal_with(key, offset, out, normals_of_blocks);
}

void fill_normal_portable(const NoiseKey& key, uint64_t offset, std::span<float> out) {
  fill_normal_with(key, offset, out, normals_of_blocks_portable);
}

void fill_uniform(const NoiseKey& key, uint64_t offset, std::span<float> out) {
  for (std::size_t t = 0; t < out.size(); ++t) {
    const uint64_t i = offset + t;
    out[t] = uniform_open(philox_block(key, i / 4)[i % 4]);
  }
}

}  // namespace valley
