// The per-thread bodies of the kernels that measure a processor's ceilings
// (Device::measure_ceilings, for valley bench): a chain of fused
// multiply-adds in registers (arithmetic only) and a copy (memory only).
#pragma once

#include <cstdint>

#include "valley/random/box_muller.h"

namespace valley::kernels {

// Four independent chains of `iterations` multiply-adds each (8 flops per
// iteration), their sum into out[t] so that none is optimized away.
VALLEY_HD inline void fma_chain_at(float* out, int iterations, int64_t t) {
  float a = 1.0f + 1e-9f * static_cast<float>(t), b = a + 0.25f, c = a + 0.5f, d = a + 0.75f;
  for (int i = 0; i < iterations; ++i) {
    a = a * 0.999999f + 1e-7f;
    b = b * 0.999999f + 1e-7f;
    c = c * 0.999999f + 1e-7f;
    d = d * 0.999999f + 1e-7f;
  }
  out[t] = a + b + c + d;
}

// to[i] = from[i]: 8 bytes moved.
VALLEY_HD inline void copy_at(float* to, const float* from, int64_t i) { to[i] = from[i]; }

}  // namespace valley::kernels
