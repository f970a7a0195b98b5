// Where the noise of perturbed sample s lives in the counter space
// (random/philox_normal.h), for the kernels that draw it in registers
// (importance_bodies.h): coordinate i of sample s is
//   normal_at(first with j + s·key_step, first_offset + s·offset_step + i).
// IS gives each sample its own key (ξ_j: NoiseKey{seed, importance, k, j},
// key_step 1, offset_step 0); heat's M draws of one iteration share a key
// and lie one after another (ξ_m: NoiseKey{seed, heat, k, j} from offset m·d,
// key_step 0, offset_step d), as the CPU draws them.
#pragma once

#include <cstdint>

#include "valley/random/box_muller.h"

namespace valley::kernels {

struct NoiseLayout {
  NoiseKey first;  // the key of sample s = 0
  uint32_t key_step = 1;
  uint64_t offset_step = 0;
  uint64_t first_offset = 0;

  // The layout whose sample 0 is this one's sample s0 (a chunk's first).
  VALLEY_HD NoiseLayout from_sample(int64_t s0) const {
    NoiseLayout out = *this;
    out.first.j += static_cast<uint32_t>(s0) * key_step;
    out.first_offset += static_cast<uint64_t>(s0) * offset_step;
    return out;
  }
};

// Coordinate i of sample s's noise.
VALLEY_HD inline float noise_at(const NoiseLayout& layout, int64_t s, uint64_t i) {
  NoiseKey key = layout.first;
  key.j += static_cast<uint32_t>(s) * layout.key_step;
  return normal_of(key, layout.first_offset + static_cast<uint64_t>(s) * layout.offset_step + i);
}

}  // namespace valley::kernels
