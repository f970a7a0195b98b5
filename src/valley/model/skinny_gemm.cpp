// The minibatch GEMM's tiles, written with Google Highway: compiled once per
// x86 target and chosen at run time for the CPU (simd/simd_targets.h).
// Targets with fused multiply-add (AVX-512, AVX2) have the kernel; on older
// CPUs skinny_gemm_available() is false and OpenBLAS does every product.
#include "valley/model/skinny_gemm.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "valley/core/error.h"
#include "valley/simd/hwy_targets.h"  // before any Highway header
#include "valley/simd/simd_targets.h"

// Highway compiles everything below once per target.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "valley/model/skinny_gemm.cpp"
#include <hwy/foreach_target.h>  // must come before highway.h
#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
namespace valley::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// The instruction set of this version.
int64_t gemm_target() { return HWY_TARGET; }

#if HWY_NATIVE_FMA

namespace {

using DF = hn::ScalableTag<float>;
using VF = hn::Vec<DF>;
using MF = hn::Mask<DF>;

constexpr int kLanes = static_cast<int>(hn::MaxLanes(DF()));
// Column vectors per tile and rows per tile, sized to the register file: 32
// AVX-512 registers hold 6 × 4 accumulators, 4 rows of B and a broadcast; 16
// AVX2 registers hold 6 × 2 accumulators, 2 rows and a broadcast. A single
// (narrow) vector gets 8 rows, enough independent fused multiply-adds to
// cover their latency.
constexpr int kMaxVectors = kLanes >= 16 ? 4 : 2;
constexpr int rows_per_tile(int vectors) { return vectors == 1 ? 8 : 6; }

struct Operands {
  const float* a;
  std::ptrdiff_t a_row, a_col;  // op(A)(i, p) = a[i·a_row + p·a_col]
  const float* b;
  std::ptrdiff_t ldb;
  float* c;
  std::ptrdiff_t ldc;
  int k;
  float alpha, beta;
};

// C[i0 : i0+MR, j0 : j0+kLanes·NR] with the last vector's columns masked by
// `last`. Each entry is α·(Σ_p a_ip b_pj, accumulated in order p = 0, 1, …
// with fused multiply-adds) + β·c: the same bits on every target and tiling.
template <int MR, int NR>
void tile(const Operands& o, int i0, int j0, MF last) {
  const DF df;
  // The loops over m and v must be unrolled completely for the accumulators
  // to live in registers: GCC 12 otherwise keeps acc on the stack and stores
  // it every step (81 instead of 205 GFLOP/s at 20×784×200 with AVX-512).
  VF acc[MR][NR];
#pragma GCC unroll 8
  for (int m = 0; m < MR; ++m)
#pragma GCC unroll 8
    for (int v = 0; v < NR; ++v) acc[m][v] = hn::Zero(df);
  const float* a = o.a + i0 * o.a_row;
  const float* b = o.b + j0;
  for (int p = 0; p < o.k; ++p) {
    VF row[NR];
#pragma GCC unroll 8
    for (int v = 0; v + 1 < NR; ++v) row[v] = hn::LoadU(df, b + v * kLanes);
    row[NR - 1] = hn::MaskedLoad(last, df, b + (NR - 1) * kLanes);
#pragma GCC unroll 8
    for (int m = 0; m < MR; ++m) {
      const VF entry = hn::Set(df, a[m * o.a_row]);
#pragma GCC unroll 8
      for (int v = 0; v < NR; ++v) acc[m][v] = hn::MulAdd(entry, row[v], acc[m][v]);
    }
    a += o.a_col;
    b += o.ldb;
  }
  const VF alpha = hn::Set(df, o.alpha), beta = hn::Set(df, o.beta);
  const MF all = hn::FirstN(df, kLanes);
#pragma GCC unroll 8
  for (int m = 0; m < MR; ++m) {
    float* c = o.c + (i0 + m) * o.ldc + j0;
#pragma GCC unroll 8
    for (int v = 0; v < NR; ++v) {
      const MF mask = v + 1 < NR ? all : last;
      VF out = hn::Mul(alpha, acc[m][v]);
      if (o.beta != 0.0f) out = hn::Add(out, hn::Mul(beta, hn::MaskedLoad(mask, df, c + v * kLanes)));
      if (v + 1 < NR)
        hn::StoreU(out, df, c + v * kLanes);
      else
        hn::BlendedStore(out, mask, df, c + v * kLanes);
    }
  }
}

using TileFn = void (*)(const Operands&, int, int, MF);

template <int NR, int... MR>
constexpr auto tiles_with_vectors(std::integer_sequence<int, MR...>) {
  return std::array<TileFn, sizeof...(MR)>{&tile<MR + 1, NR>...};
}

template <int... NR>
constexpr auto all_tiles(std::integer_sequence<int, NR...>) {
  return std::array<std::array<TileFn, 8>, sizeof...(NR)>{
      tiles_with_vectors<NR + 1>(std::make_integer_sequence<int, 8>{})...};
}

// kTiles[nr − 1][mr − 1]: the tile of mr rows and nr vectors.
constexpr std::array<std::array<TileFn, 8>, kMaxVectors> kTiles =
    all_tiles(std::make_integer_sequence<int, kMaxVectors>{});

}  // namespace

bool has_kernel() { return true; }

void gemm(bool trans_a, int m, int n, int k, float alpha, const float* a, int lda, const float* b, int ldb,
          float beta, float* c, int ldc) {
  const DF df;
  const Operands o{
      a,   trans_a ? 1 : std::ptrdiff_t{lda}, trans_a ? std::ptrdiff_t{lda} : 1, b, ldb, c, ldc, k, alpha,
      beta};
  // Column tiles outside, row tiles inside: a tile's columns of B (k ×
  // kMaxVectors·kLanes floats) stay in cache while every row tile passes
  // over them.
  for (int j0 = 0; j0 < n; j0 += kMaxVectors * kLanes) {
    const int columns = std::min(n - j0, kMaxVectors * kLanes);
    const int vectors = (columns + kLanes - 1) / kLanes;
    const MF last = hn::FirstN(df, static_cast<std::size_t>(columns - (vectors - 1) * kLanes));
    // Rows split evenly over the fewest tiles (20 = 7 + 7 + 6, not 8 + 8 + 4):
    // a short tile pays a whole tile's loads of B for fewer products.
    const int n_row_tiles = (m + rows_per_tile(vectors) - 1) / rows_per_tile(vectors);
    for (int t = 0, i0 = 0; t < n_row_tiles; ++t) {
      const int rows = m / n_row_tiles + (t < m % n_row_tiles ? 1 : 0);
      kTiles[static_cast<std::size_t>(vectors - 1)][static_cast<std::size_t>(rows - 1)](o, i0, j0, last);
      i0 += rows;
    }
  }
}

#else  // no fused multiply-add: OpenBLAS does the products

bool has_kernel() { return false; }

void gemm(bool, int, int, int, float, const float*, int, const float*, int, float, float*, int) {
  fail("internal error: skinny_gemm called on a CPU without fused multiply-add");
}

#endif

}  // namespace valley::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace valley {

HWY_EXPORT(has_kernel);
HWY_EXPORT(gemm);
HWY_EXPORT(gemm_target);

bool skinny_gemm_available() { return HWY_DYNAMIC_DISPATCH(has_kernel)(); }

std::string skinny_gemm_simd_target() {
  return skinny_gemm_available() ? simd_target_name(HWY_DYNAMIC_DISPATCH(gemm_target)()) : "none (OpenBLAS)";
}

void skinny_gemm(bool trans_a, int m, int n, int k, float alpha, const float* a, int lda, const float* b,
                 int ldb, float beta, float* c, int ldc) {
  HWY_DYNAMIC_DISPATCH(gemm)(trans_a, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

}  // namespace valley
#endif  // HWY_ONCE
