// A GEMM for the skinny products of one minibatch: C = α·op(A)·B + β·C in
// float, row-major, with op(A) = A or Aᵀ and B not transposed. The shapes of
// an MLP on a minibatch — X W (B × n_0 times n_0 × n_1, B = 20) and Xᵀ ∂f/∂z
// (n_0 × B times B × n_1) — have one dimension of 10–20, where OpenBLAS's
// kernels (AVX2 under OPENBLAS_CORETYPE=Haswell) reach 45–110 GFLOP/s on one
// core. This kernel keeps a tile of C (up to 8 rows × 64 columns with
// AVX-512, 8 × 16 with AVX2) in vector registers, broadcasts op(A)'s entries
// and streams B's rows, so a narrow output (n_1 = 10) costs one masked vector
// per row instead of a padded panel. Each entry of C is accumulated over k in
// order with fused multiply-adds, whatever the tiling or vector width, so a
// product split into column ranges gives the same bits as the whole, and the
// AVX-512 and AVX2 versions give the same bits as each other. The version is
// chosen at run time for the CPU (simd/simd_targets.h).
#pragma once

#include <string>

namespace valley {

// True when the running CPU has a version of the kernel (one with fused
// multiply-add: AVX-512 or AVX2); otherwise OpenBLAS does every product.
bool skinny_gemm_available();

// The instruction set the kernel runs with here ("AVX3", "AVX2"), or
// "none (OpenBLAS)".
std::string skinny_gemm_simd_target();

// C (m × n, ldc) = α·op(A)·B + β·C, op(A) m × k (A stored k × m when
// trans_a), B k × n (ldb). β = 0 never reads C. Only when available.
void skinny_gemm(bool trans_a, int m, int n, int k, float alpha, const float* a, int lda, const float* b,
                 int ldb, float beta, float* c, int ldc);

}  // namespace valley
