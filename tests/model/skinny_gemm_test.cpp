// The minibatch-shaped GEMM kernel against OpenBLAS's sgemm, over shapes
// that exercise every tile (1–8 rows, 1–4 vectors, masked column tails),
// both op(A), leading dimensions wider than the matrices, and α, β.
#include "valley/model/skinny_gemm.h"

#include <cblas.h>
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "valley/sampling/philox_normal.h"

namespace valley {
namespace {

std::vector<float> normals(std::size_t n, uint32_t j) {
  std::vector<float> out(n);
  fill_normal(NoiseKey{5, Stream::test, 7, j}, 0, out);
  return out;
}

TEST(SkinnyGemm, EqualsSgemmOnEveryTileShape) {
  if (!skinny_gemm_available()) GTEST_SKIP() << "this build has no AVX-512 kernel (OpenBLAS does every product)";
  uint32_t case_id = 0;
  for (bool trans_a : {false, true})
    for (int m : {1, 5, 8, 9, 20, 23})
      for (int n : {1, 10, 16, 17, 64, 65, 200})
        for (int k : {0, 1, 20, 37})
          for (auto [alpha, beta] : {std::pair{1.0f, 0.0f}, {1.0f, 1.0f}, {-0.3f, 0.5f}}) {
            const int lda = (trans_a ? m : k) + 3, ldb = n + 2, ldc = n + 5;
            const std::vector<float> a = normals(static_cast<std::size_t>((trans_a ? k : m) * lda) + 1, ++case_id);
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
  if (!skinny_gemm_available()) GTEST_SKIP() << "this build has no AVX-512 kernel";
  const int m = 20, n = 200, k = 784;
  const std::vector<float> a = normals(static_cast<std::size_t>(m * k), 1), b = normals(static_cast<std::size_t>(k * n), 2);
  std::vector<float> whole(static_cast<std::size_t>(m * n)), pieces(whole.size());
  skinny_gemm(false, m, n, k, 1.0f, a.data(), k, b.data(), n, 0.0f, whole.data(), n);
  for (auto [c0, c1] : {std::pair{0, 104}, {104, 200}})
    skinny_gemm(false, m, c1 - c0, k, 1.0f, a.data(), k, b.data() + c0, n, 0.0f, pieces.data() + c0, n);
  EXPECT_EQ(whole, pieces);
}

}  // namespace
}  // namespace valley
