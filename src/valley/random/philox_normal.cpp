// Philox4x32-10 + Box–Muller (DESIGN "Randomness"). Two versions draw the
// same bits: portable loops over 16 lanes (used for partial groups and as the
// reference) and a SIMD kernel written with Google Highway, compiled once per
// x86 target (AVX-512, AVX2, SSE4, SSSE3, portable fallback) and chosen at
// run time for the CPU. Every floating-point operation of the kernel is the
// portable code's, in the same order and without fused multiply-adds, so
// the numbers do not depend on which target ran (tests/sampling checks every
// target the machine has, bit for bit).
#include "valley/random/philox_normal.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <string>

#include "valley/simd/hwy_targets.h"  // before any Highway header
#include "valley/simd/simd_targets.h"

// Highway compiles everything below once per target.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "valley/random/philox_normal.cpp"
#include <hwy/foreach_target.h>  // must come before highway.h
#include <hwy/highway.h>

namespace valley {
namespace {
// The portable loops (defined below), for Highway's one-lane fallback target.
void blocks_portable(const NoiseKey& key, uint64_t first_block, uint64_t n_blocks, float* out);
}  // namespace
}  // namespace valley

HWY_BEFORE_NAMESPACE();
namespace valley::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// The instruction set of this version.
int64_t normals_target() { return HWY_TARGET; }

#if HWY_TARGET != HWY_SCALAR

using DF = hn::ScalableTag<float>;
using DI = hn::RebindToSigned<DF>;
using DU = hn::RebindToUnsigned<DF>;
using DW = hn::Repartition<uint64_t, DF>;  // half as many 64-bit slots
using VF = hn::Vec<DF>;
using VI = hn::Vec<DI>;
using VW = hn::Vec<DW>;

// log_positive of the portable code (Cephes logf), operation for operation.
HWY_INLINE VF log_positive(VF x) {
  const DF df;
  const DI di;
  const DU du;
  const auto c = [&](float v) HWY_ATTR { return hn::Set(df, v); };
  const auto bits = hn::BitCast(du, x);
  VF e = hn::ConvertTo(df, hn::Sub(hn::BitCast(di, hn::ShiftRight<23>(bits)), hn::Set(di, 126)));
  VF m = hn::BitCast(df, hn::Or(hn::And(bits, hn::Set(du, 0x007FFFFFu)), hn::Set(du, 0x3F000000u)));
  const auto small = hn::Lt(m, c(0.707106781186547524f));
  e = hn::IfThenElse(small, hn::Sub(e, c(1.0f)), e);
  m = hn::IfThenElse(small, hn::Sub(hn::Add(m, m), c(1.0f)), hn::Sub(m, c(1.0f)));
  const VF z = hn::Mul(m, m);
  VF y = c(7.0376836292e-2f);
  y = hn::Sub(hn::Mul(y, m), c(1.1514610310e-1f));
  y = hn::Add(hn::Mul(y, m), c(1.1676998740e-1f));
  y = hn::Sub(hn::Mul(y, m), c(1.2420140846e-1f));
  y = hn::Add(hn::Mul(y, m), c(1.4249322787e-1f));
  y = hn::Sub(hn::Mul(y, m), c(1.6668057665e-1f));
  y = hn::Add(hn::Mul(y, m), c(2.0000714765e-1f));
  y = hn::Sub(hn::Mul(y, m), c(2.4999993993e-1f));
  y = hn::Add(hn::Mul(y, m), c(3.3333331174e-1f));
  y = hn::Mul(hn::Mul(y, m), z);
  y = hn::Add(y, hn::Mul(c(-2.12194440e-4f), e));
  y = hn::Add(y, hn::Mul(c(-0.5f), z));
  return hn::Add(hn::Add(m, y), hn::Mul(c(0.693359375f), e));
}

// box_muller with sincos_two_pi of the portable code, operation for operation.
HWY_INLINE void box_muller(VF u1, VF u2, VF& z1, VF& z2) {
  const DF df;
  const DI di;
  const auto c = [&](float v) HWY_ATTR { return hn::Set(df, v); };
  const VF r = hn::Sqrt(hn::Mul(c(-2.0f), log_positive(u1)));
  const VI qi = hn::ConvertTo(di, hn::Add(hn::Mul(u2, c(4.0f)), c(0.5f)));  // truncates, like the cast
  const VF q = hn::ConvertTo(df, qi);
  const VF a = hn::Mul(c(6.283185307179586f), hn::Sub(u2, hn::Mul(c(0.25f), q)));
  const VF a2 = hn::Mul(a, a);
  const VF sin_a = hn::Add(
      a, hn::Mul(hn::Mul(a, a2),
                 hn::Add(c(-1.6666654611e-1f),
                         hn::Mul(a2, hn::Add(c(8.3321608736e-3f), hn::Mul(a2, c(-1.9515295891e-4f)))))));
  const VF cos_a =
      hn::Add(hn::Sub(c(1.0f), hn::Mul(c(0.5f), a2)),
              hn::Mul(hn::Mul(a2, a2), hn::Add(c(4.166664568298827e-2f),
                                               hn::Mul(a2, hn::Add(c(-1.388731625493765e-3f),
                                                                   hn::Mul(a2, c(2.443315711809948e-5f)))))));
  const VI quadrant = hn::And(qi, hn::Set(di, 3));
  const auto odd_quadrant = hn::RebindMask(df, hn::TestBit(quadrant, hn::Set(di, 1)));
  const auto lower_half = hn::RebindMask(df, hn::TestBit(quadrant, hn::Set(di, 2)));
  const auto cos_negative =
      hn::RebindMask(df, hn::Or(hn::Eq(quadrant, hn::Set(di, 1)), hn::Eq(quadrant, hn::Set(di, 2))));
  const VF sin_abs = hn::IfThenElse(odd_quadrant, cos_a, sin_a);
  const VF cos_abs = hn::IfThenElse(odd_quadrant, sin_a, cos_a);
  // Negation is exact: it flips the sign bit.
  const VF s = hn::IfThenElse(lower_half, hn::Neg(sin_abs), sin_abs);
  const VF co = hn::IfThenElse(cos_negative, hn::Neg(cos_abs), cos_abs);
  z1 = hn::Mul(r, co);
  z2 = hn::Mul(r, s);
}

// out[4l + w] = z[w][l] for the vector's lanes l: 4 × 4 transposes within
// each 128-bit block, then the blocks put in order.
HWY_INLINE void store_transposed(const VF z[4], float* HWY_RESTRICT out) {
  const DF df;
  const DW dw;
  const VF t0 = hn::InterleaveLower(df, z[0], z[1]), t1 = hn::InterleaveUpper(df, z[0], z[1]);
  const VF t2 = hn::InterleaveLower(df, z[2], z[3]), t3 = hn::InterleaveUpper(df, z[2], z[3]);
  const auto lo64 = [&](VF a, VF b) HWY_ATTR {
    return hn::BitCast(df, hn::InterleaveLower(dw, hn::BitCast(dw, a), hn::BitCast(dw, b)));
  };
  const auto hi64 = [&](VF a, VF b) HWY_ATTR {
    return hn::BitCast(df, hn::InterleaveUpper(dw, hn::BitCast(dw, a), hn::BitCast(dw, b)));
  };
  // b_l, block q: the four normals of lane 4q + l.
  const VF b0 = lo64(t0, t2), b1 = hi64(t0, t2), b2 = lo64(t1, t3), b3 = hi64(t1, t3);
#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
  const __m512 v0 = _mm512_shuffle_f32x4(b0.raw, b1.raw, 0x44),
               v1 = _mm512_shuffle_f32x4(b0.raw, b1.raw, 0xEE);
  const __m512 v2 = _mm512_shuffle_f32x4(b2.raw, b3.raw, 0x44),
               v3 = _mm512_shuffle_f32x4(b2.raw, b3.raw, 0xEE);
  _mm512_storeu_ps(out, _mm512_shuffle_f32x4(v0, v2, 0x88));
  _mm512_storeu_ps(out + 16, _mm512_shuffle_f32x4(v0, v2, 0xDD));
  _mm512_storeu_ps(out + 32, _mm512_shuffle_f32x4(v1, v3, 0x88));
  _mm512_storeu_ps(out + 48, _mm512_shuffle_f32x4(v1, v3, 0xDD));
#elif HWY_TARGET == HWY_AVX2
  hn::StoreU(hn::ConcatLowerLower(df, b1, b0), df, out);
  hn::StoreU(hn::ConcatLowerLower(df, b3, b2), df, out + 8);
  hn::StoreU(hn::ConcatUpperUpper(df, b1, b0), df, out + 16);
  hn::StoreU(hn::ConcatUpperUpper(df, b3, b2), df, out + 24);
#else
  static_assert(hn::MaxLanes(DF()) == 4, "a target of 128-bit vectors");
  hn::StoreU(b0, df, out);
  hn::StoreU(b1, df, out + 4);
  hn::StoreU(b2, df, out + 8);
  hn::StoreU(b3, df, out + 12);
#endif
}

// The 4·n_blocks normals of Philox blocks first_block … first_block +
// n_blocks − 1, n_blocks a multiple of 16 (of every target's lane count):
// the same bits as the portable loops, one Philox block per float lane.
//
// Philox's 32×32 → 64-bit products (MulEven: vpmuludq and its kin) read the
// low 32 bits of each 64-bit slot. Each word is kept as two vectors, its even
// lanes and its odd lanes in the low halves of the slots; the products' low
// halves are then the next round's words as they stand and the high halves
// one shift away. Whatever collects in the slots' upper halves is never read.
void normals_of_whole_vectors(uint64_t seed, uint32_t stream, uint32_t k, uint32_t j, uint64_t first_block,
                              uint64_t n_blocks, float* HWY_RESTRICT out) {
  const DF df;
  const DI di;
  const DU du;
  const DW dw;
  const std::size_t lanes = hn::Lanes(df);
  const auto m0 = hn::Set(du, 0xD2511F53u), m1 = hn::Set(du, 0xCD9E8D57u);
  const VW pair_offset = hn::ShiftLeft<1>(hn::Iota(dw, 0));  // 0, 2, 4, …
  const VW stream_word = hn::Set(dw, stream);
  const auto high_word = [&](VW block) HWY_ATTR {  // stream ^ (block >> 32) << 16
    return hn::Xor(stream_word, hn::ShiftLeft<16>(hn::ShiftRight<32>(block)));
  };
  for (uint64_t done = 0; done < n_blocks; done += lanes, out += 4 * lanes) {
    // Counters of blocks first + 2s (even lanes) and first + 2s + 1 (odd).
    VW even[4], odd[4];
    even[0] = hn::Add(hn::Set(dw, first_block + done), pair_offset);
    odd[0] = hn::Add(even[0], hn::Set(dw, 1));
    even[1] = odd[1] = hn::Set(dw, j);
    even[2] = odd[2] = hn::Set(dw, k);
    even[3] = high_word(even[0]);
    odd[3] = high_word(odd[0]);
    uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
    for (int round = 0; round < 10; ++round) {
      if (round > 0) {
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
      }
      const VW key0 = hn::Set(dw, k0), key1 = hn::Set(dw, k1);
      for (VW* w : {even, odd}) {
        const VW p0 = hn::MulEven(hn::BitCast(du, w[0]), m0), p1 = hn::MulEven(hn::BitCast(du, w[2]), m1);
        w[0] = hn::Xor3(hn::ShiftRight<32>(p1), w[1], key0);
        w[2] = hn::Xor3(hn::ShiftRight<32>(p0), w[3], key1);
        w[1] = p1;
        w[3] = p0;
      }
    }
    // Back to one block per 32-bit lane; uniform_open: ((bits >> 9) + ½)·2^-23.
    VF u[4];
    for (int w = 0; w < 4; ++w) {
      const auto word = hn::OddEven(hn::BitCast(du, hn::ShiftLeft<32>(odd[w])), hn::BitCast(du, even[w]));
      u[w] = hn::Mul(hn::Add(hn::ConvertTo(df, hn::BitCast(di, hn::ShiftRight<9>(word))), hn::Set(df, 0.5f)),
                     hn::Set(df, 0x1p-23f));
    }
    VF z[4];
    box_muller(u[0], u[1], z[0], z[1]);
    box_muller(u[2], u[3], z[2], z[3]);
    store_transposed(z, out);
  }
}

#else  // HWY_SCALAR: one lane, no pairs of lanes to split into even and odd.

void normals_of_whole_vectors(uint64_t seed, uint32_t stream, uint32_t k, uint32_t j, uint64_t first_block,
                              uint64_t n_blocks, float* HWY_RESTRICT out) {
  blocks_portable(NoiseKey{seed, static_cast<Stream>(stream), k, j}, first_block, n_blocks, out);
}

#endif

}  // namespace valley::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace valley {

// One table of the kernel's per-target versions; the first call picks.
HWY_EXPORT(normals_of_whole_vectors);
HWY_EXPORT(normals_target);

std::string fill_normal_simd_target() { return simd_target_name(HWY_DYNAMIC_DISPATCH(normals_target)()); }

namespace {

// Philox blocks evaluated together: 16 blocks = 64 normals per pass, enough
// for 512-bit vectors.
constexpr int kLanes = 16;

// Philox4x32-10 on kLanes counters at once: identical to r123::Philox4x32
// (10 rounds, key bumped between rounds), written as loops over lanes.
inline void philox_lanes(uint32_t c0[kLanes], uint32_t c1[kLanes], uint32_t c2[kLanes], uint32_t c3[kLanes],
                         uint32_t k0, uint32_t k1) {
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

// Philox blocks first_block … first_block + n_blocks − 1 (any count), kLanes
// at a time by the portable loops.
void blocks_portable(const NoiseKey& key, uint64_t first_block, uint64_t n_blocks, float* out) {
  for (uint64_t done = 0; done < n_blocks; done += kLanes) {
    const int n = static_cast<int>(std::min<uint64_t>(kLanes, n_blocks - done));
    normals_of_blocks_portable(key, first_block + done, n, out + 4 * done);
  }
}

// The normals of Philox blocks first_block … first_block + n_blocks − 1,
// n_blocks a multiple of kLanes, by the SIMD kernel chosen for this CPU.
void blocks_dispatched(const NoiseKey& key, uint64_t first_block, uint64_t n_blocks, float* out) {
  HWY_DYNAMIC_DISPATCH(normals_of_whole_vectors)
  (key.seed, static_cast<uint32_t>(key.stream), key.k, key.j, first_block, n_blocks, out);
}

// fill_normal, with `blocks` producing the normals of a run of whole Philox
// blocks and the partial blocks at either end from the portable loops.
template <typename Blocks>
void fill_normal_with(const NoiseKey& key, uint64_t offset, std::span<float> out, const Blocks& blocks) {
  std::size_t t = 0;
  const std::size_t n = out.size();
  float z[4 * kLanes];
  const auto one = [&](uint64_t i) {
    normals_of_blocks_portable(key, i / 4, 1, z);
    return z[i % 4];
  };
  // A leading partial block, then the whole blocks, then the rest.
  while (t < n && (offset + t) % 4 != 0) {
    out[t] = one(offset + t);
    ++t;
  }
  const std::size_t n_blocks = (n - t) / 4;
  blocks(key, (offset + t) / 4, n_blocks, out.data() + t);
  t += 4 * n_blocks;
  for (; t < n; ++t) out[t] = one(offset + t);
}

}  // namespace

float normal_at(const NoiseKey& key, uint64_t i) {
  alignas(64) float z[4 * kLanes];
  blocks_dispatched(key, i / 4, kLanes, z);
  return z[i % 4];
}

void fill_normal(const NoiseKey& key, uint64_t offset, std::span<float> out) {
  // Everything by the SIMD kernel, whole groups of kLanes blocks at a time:
  // the group holding a leading partial block, the whole groups straight into
  // `out`, then one group holding the rest. (The portable loops, compiled for
  // plain x86-64, cost as much per partial group as the kernel per whole one;
  // a perturbation of 7,850 numbers would spend a third of its time there.)
  const std::size_t n = out.size();
  alignas(64) float z[4 * kLanes];
  std::size_t t = 0;
  if (n > 0 && offset % 4 != 0) {
    blocks_dispatched(key, offset / 4, kLanes, z);
    t = std::min<std::size_t>(n, 4 - offset % 4);
    std::copy_n(z + offset % 4, t, out.data());
  }
  const std::size_t n_groups = (n - t) / (4 * kLanes);
  if (n_groups > 0) {
    blocks_dispatched(key, (offset + t) / 4, n_groups * kLanes, out.data() + t);
    t += n_groups * 4 * kLanes;
  }
  if (t < n) {
    blocks_dispatched(key, (offset + t) / 4, kLanes, z);
    std::copy_n(z, n - t, out.data() + t);
  }
}

void fill_normal_portable(const NoiseKey& key, uint64_t offset, std::span<float> out) {
  fill_normal_with(key, offset, out, blocks_portable);
}

void fill_uniform(const NoiseKey& key, uint64_t offset, std::span<float> out) {
  for (std::size_t t = 0; t < out.size(); ++t) {
    const uint64_t i = offset + t;
    out[t] = uniform_open(philox_block(key, i / 4)[i % 4]);
  }
}

}  // namespace valley
#endif  // HWY_ONCE
