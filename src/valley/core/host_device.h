// Code that runs on both sides, the CPU and a CUDA GPU: VALLEY_HD marks a
// function __host__ __device__ under nvcc (and is empty elsewhere), and
// rounded:: is float arithmetic that rounds the same on both.
//
// Bit-identity on both sides rests on plain, correctly rounded float
// operations in a fixed order: mul/add/sub are __fmul_rn/__fadd_rn/__fsub_rn
// on the device (never contracted into a fused multiply-add, whatever -fmad
// says) and plain operators on the host (valley compiles with
// -ffp-contract=off); the square root is the correctly rounded one on both
// (__fsqrt_rn, std::sqrt). Never build this with --use_fast_math.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>

#ifdef __CUDACC__
#define VALLEY_HD __host__ __device__
#else
#define VALLEY_HD
#endif

namespace valley {

namespace rounded {

// Correctly rounded float arithmetic, never fused (see above).
#ifdef __CUDA_ARCH__
__device__ inline float mul(float a, float b) { return __fmul_rn(a, b); }
__device__ inline float add(float a, float b) { return __fadd_rn(a, b); }
__device__ inline float sub(float a, float b) { return __fsub_rn(a, b); }
__device__ inline float sqrt(float a) { return __fsqrt_rn(a); }
__device__ inline uint32_t bits_of(float a) { return __float_as_uint(a); }
__device__ inline float float_of(uint32_t a) { return __uint_as_float(a); }
#else
inline float mul(float a, float b) { return a * b; }
inline float add(float a, float b) { return a + b; }
inline float sub(float a, float b) { return a - b; }
inline float sqrt(float a) { return std::sqrt(a); }
inline uint32_t bits_of(float a) { return std::bit_cast<uint32_t>(a); }
inline float float_of(uint32_t a) { return std::bit_cast<float>(a); }
#endif

}  // namespace rounded

}  // namespace valley
