// Tolerances of the tests, in one place, each with the reason for its size.
#pragma once

namespace valley::tol {

// Central differences in double with h = 1e-5 have truncation error
// O(h²·f''') ≈ 1e-10 and rounding error O(eps·f/h) ≈ 1e-11: 1e-6 leaves
// room for curvature near (but not at) ReLU kinks.
inline constexpr double kGradientAbs = 1e-6;
inline constexpr double kGradientStep = 1e-5;

// float vs double evaluation of the same network: float has 24-bit
// mantissas (6e-8 relative), and a 784-term dot product accumulates ~1e-5.
inline constexpr double kFloatVsDouble = 1e-4;

// Monte Carlo checks: a statistic of N draws is compared with its exact value
// within 5 standard errors (false alarm probability < 1e-6 per check, and the
// seeds are fixed, so a pass is reproducible).
inline constexpr double kStandardErrors = 5.0;

// The CUDA device (or its kernels' bodies run on the CPU) vs the CPU network,
// in float, as ‖a − b‖ / ‖b‖ over a whole vector (gradient, step, IS mean).
// Each entry is a sum of up to n = 784 products taken in another order than
// OpenBLAS's (and with fused multiply-adds on the GPU): its relative rounding
// error is at most n·2^-24 ≈ 4.7e-5 and typically √n·2^-24 ≈ 2e-6. IS adds
// the weights exp(−f(x^j)), whose f differ by as little. The normals
// themselves are compared bit for bit.
inline constexpr double kDeviceVsCpu = 1e-4;

}  // namespace valley::tol
