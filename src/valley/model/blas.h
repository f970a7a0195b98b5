// Row-major GEMM, for float and double: C = α·op(A)·op(B) + β·C with op(A)
// m×k, op(B) k×n, C m×n. Through CBLAS (OpenBLAS), except float products with
// B not transposed on a CPU with fused multiply-add (AVX-512 or AVX2, chosen
// at run time), which go to the minibatch-shaped kernel of model/skinny_gemm.h.
#pragma once

#include <cblas.h>

#include "valley/model/skinny_gemm.h"

namespace valley {

inline void gemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float* a, int lda,
                 const float* b, int ldb, float beta, float* c, int ldc) {
  if (!trans_b && skinny_gemm_available()) {
    skinny_gemm(trans_a, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, m, n,
              k, alpha, a, lda, b, ldb, beta, c, ldc);
}

inline void gemm(bool trans_a, bool trans_b, int m, int n, int k, double alpha, const double* a, int lda,
                 const double* b, int ldb, double beta, double* c, int ldc) {
  cblas_dgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, m, n,
              k, alpha, a, lda, b, ldb, beta, c, ldc);
}

}  // namespace valley
