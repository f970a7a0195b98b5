// The minibatch-shaped GEMM kernel against OpenBLAS's sgemm, over shapes
// that exercise every tile (1–8 rows, 1–4 vectors, masked column tails),
// both op(A), leading dimensions wider than the matrices, and α, β.
#include "valley/model/skinny_gemm.h"

#include <cblas.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "valley/random/philox_normal.h"
#include "valley/simd/simd_targets.h"

namespace valley {
namespace {

std::vector<float> normals(std::size_t n, uint32_t j) {
  std::vector<float> out(n);
  fill_normal(NoiseKey{5, Stream::test, 7, j}, 0, out);
  return out;
}

TEST(SkinnyGemm, EqualsSgemmOnEveryTileShape) {
  if (!skinny_gemm_available())
    GTEST_SKIP() << "this CPU has no fused multiply-add (OpenBLAS does every product)";
  uint32_t case_id = 0;
  for (bool trans_a : {false, true})
    for (int m : {1, 5, 8, 9, 20, 23})
      for (int n : {1, 10, 16, 17, 64, 65, 200})
        for (int k : {0, 1, 20, 37})
          for (auto [alpha, beta] : {std::pair{1.0f, 0.0f}, {1.0f, 1.0f}, {-0.3f, 0.5f}}) {
            const int lda = (trans_a ? m : k) + 3, ldb = n + 2, ldc = n + 5;
            const std::vector<float> a =
                normals(static_cast<std::size_t>((trans_a ? k : m) * lda) + 1, ++case_id);
            const std::vector<float> b = normals(static_cast<std::size_t>(k * ldb) + 1, ++case_id);
            std::vector<float> c = normals(static_cast<std::size_t>(m * ldc), ++case_id), expected = c;
            if (beta == 0.0f)  // β = 0 must not read C: poison it
              for (float& x : c) x = std::nanf("");
            skinny_gemm(trans_a, m, n, k, alpha, a.data(), lda, b.data(), ldb, beta, c.data(), ldc);
            cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, CblasNoTrans, m, n, k, alpha,
                        a.data(), lda, b.data(), ldb, beta, expected.data(), ldc);
            for (int i = 0; i < m; ++i)
              for (int j = 0; j < ldc; ++j) {
                const std::size_t at = static_cast<std::size_t>(i * ldc + j);
                if (j >= n) {  // columns beyond n are left alone
                  if (beta != 0.0f) {
                    ASSERT_EQ(c[at], expected[at]);
                  }
                  continue;
                }
                // Sums of k products of N(0, 1) entries: float rounding ≈ 1e-7 √k.
                ASSERT_NEAR(c[at], expected[at], 1e-5f * (1.0f + static_cast<float>(k)))
                    << (trans_a ? "Aᵀ" : "A") << " m=" << m << " n=" << n << " k=" << k << " α=" << alpha
                    << " β=" << beta << " at (" << i << ", " << j << ")";
              }
          }
}

TEST(SkinnyGemm, ColumnRangesGiveTheSameBitsAsTheWhole) {
  if (!skinny_gemm_available()) GTEST_SKIP() << "this CPU has no fused multiply-add";
  const int m = 20, n = 200, k = 784;
  const std::vector<float> a = normals(static_cast<std::size_t>(m * k), 1),
                           b = normals(static_cast<std::size_t>(k * n), 2);
  std::vector<float> whole(static_cast<std::size_t>(m * n)), pieces(whole.size());
  skinny_gemm(false, m, n, k, 1.0f, a.data(), k, b.data(), n, 0.0f, whole.data(), n);
  for (auto [c0, c1] : {std::pair{0, 104}, {104, 200}})
    skinny_gemm(false, m, c1 - c0, k, 1.0f, a.data(), k, b.data() + c0, n, 0.0f, pieces.data() + c0, n);
  EXPECT_EQ(whole, pieces);
}

TEST(SkinnyGemm, EveryInstructionSetGivesTheSameBits) {
  // Every target with the kernel (AVX-512 and AVX2: those with fused
  // multiply-add) accumulates each entry of C in the same order with the same
  // fused multiply-adds, only over vectors of another width: the products
  // must agree byte for byte, so results do not depend on the CPU's vector
  // width. Targets without the kernel leave the products to OpenBLAS.
  struct Case {
    bool trans_a;
    int m, n, k;
    float beta;
  };
  const std::vector<Case> cases = {{false, 20, 200, 784, 0.0f},
                                   {false, 20, 10, 784, 1.0f},
                                   {true, 23, 65, 20, 0.5f},
                                   {true, 7, 17, 37, 0.0f}};
  std::vector<std::vector<float>> first;
  int n_with_kernel = 0;
  for (int64_t target : available_simd_targets()) {
    force_simd_target(target);
    if (!skinny_gemm_available()) {
      EXPECT_EQ(skinny_gemm_simd_target(), "none (OpenBLAS)");
      continue;
    }
    EXPECT_EQ(skinny_gemm_simd_target(), simd_target_name(target));
    ++n_with_kernel;
    for (std::size_t i = 0; i < cases.size(); ++i) {
      const Case& t = cases[i];
      const int lda = t.trans_a ? t.m : t.k;
      const std::vector<float> a =
          normals(static_cast<std::size_t>(t.m * t.k), 100 + 3 * static_cast<uint32_t>(i));
      const std::vector<float> b =
          normals(static_cast<std::size_t>(t.k * t.n), 101 + 3 * static_cast<uint32_t>(i));
      std::vector<float> c = normals(static_cast<std::size_t>(t.m * t.n), 102 + 3 * static_cast<uint32_t>(i));
      skinny_gemm(t.trans_a, t.m, t.n, t.k, 0.7f, a.data(), lda, b.data(), t.n, t.beta, c.data(), t.n);
      if (first.size() <= i) {
        first.push_back(c);
        continue;
      }
      EXPECT_EQ(std::memcmp(c.data(), first[i].data(), c.size() * sizeof(float)), 0)
          << simd_target_name(target) << ", case " << i;
    }
  }
  reset_simd_target();
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    EXPECT_TRUE(skinny_gemm_available());
    EXPECT_GE(n_with_kernel, 1);
  }
#endif
}

}  // namespace
}  // namespace valley
