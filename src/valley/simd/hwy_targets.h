// The Highway targets valley's kernels are compiled for. Every source that
// includes a Highway header includes this first (scripts/check-march.sh
// compiles them all for several -march), so that they agree on HWY_TARGETS.
//
// Why: Highway 1.0.3 (Debian 12's libhwy-dev) fails with "#error Logic error:
// best baseline should be included in dynamic targets" whenever -march
// enables all of AVX3_DL's extensions (AVX-VNNI, VAES, VPCLMULQDQ, AVX-512
// VBMI, VBMI2, VPOPCNTDQ, BITALG): -march=sapphirerapids, or -march=native
// on such a CPU. HWY_STATIC_TARGET, the best target the flags enable, is then
// HWY_AVX3_DL, but hwy/detect_targets.h adds AVX3_DL to HWY_TARGETS only
// `#if defined(HWY_WANT_AVX3_DL) || (HWY_BASELINE & HWY_AVX3_DL)`, and
// HWY_BASELINE is no macro (HWY_BASELINE_TARGETS was meant), so the static
// target is missing from the targets it compiles.
//
// Valley disables AVX3_DL. The portable build has never compiled it (Highway
// leaves it out unless asked for), so it keeps its targets — AVX3, AVX2, SSE4,
// SSSE3 and SCALAR with GCC before 12.3, EMU128 after — and its results. With
// a -march for such a CPU the static target is AVX3 instead, and every
// static target left (AVX3, AVX2, SSE4, SSSE3, the fallback) is in
// HWY_TARGETS, whatever the -march.
#pragma once

#if defined(HIGHWAY_HWY_DETECT_TARGETS_H_)
#error "valley/simd/hwy_targets.h must be included before any Highway header"
#endif

#define HWY_DISABLED_TARGETS HWY_AVX3_DL
