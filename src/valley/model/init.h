// Initial parameters (§6.1 leaves this open; DESIGN: Glorot-uniform weights,
// zero biases): W_l entries ~ U(−a, a) with a = sqrt(6 / (n_{l−1} + n_l)).
#pragma once

#include <cstdint>

#include "valley/core/types.h"
#include "valley/model/net_spec.h"

namespace valley {

Vec glorot_uniform(const NetSpec& spec, uint64_t seed);

}  // namespace valley
