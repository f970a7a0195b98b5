// Which instruction set valley's hand-vectorized kernels run with. The
// kernels (the normal generator of random/philox_normal.h and the GEMM
// tiles of model/skinny_gemm.h) are compiled once per x86 target with Google
// Highway — AVX-512 ("AVX3"), AVX2, SSE4, SSSE3 and a portable fallback
// ("EMU128"; with GCC before 12.3, whose EMU128 Highway considers broken, the
// one-lane "SCALAR") — and the first call picks the best one the running CPU
// supports. Nothing here changes a result: the normals are the same bits on
// every target, and so are the GEMM tiles on every target that has them
// (those with fused multiply-add; see model/skinny_gemm.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace valley {

// The targets compiled into this build that the running CPU supports, best
// first (Highway's bit masks, e.g. HWY_AVX3).
std::vector<int64_t> available_simd_targets();

// The target's name as Highway spells it ("AVX3", "AVX2", "SSE4", "SCALAR").
std::string simd_target_name(int64_t target);

// For tests: the kernels behave as if the CPU supported only `target` (one
// of available_simd_targets()) until reset_simd_target() is called. Not
// thread-safe: call with no kernel running.
void force_simd_target(int64_t target);
void reset_simd_target();

}  // namespace valley
