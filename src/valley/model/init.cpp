#include "valley/model/init.h"

#include <cmath>
#include <span>

#include "valley/random/philox_normal.h"

namespace valley {

Vec glorot_uniform(const NetSpec& spec, uint64_t seed) {
  Vec x = Vec::Zero(spec.n_params());
  for (int l = 1; l <= spec.n_layers(); ++l) {
    const int64_t n_weights = static_cast<int64_t>(spec.widths[l - 1]) * spec.widths[l];
    const float a = std::sqrt(6.0f / static_cast<float>(spec.widths[l - 1] + spec.widths[l]));
    float* w = x.data() + spec.weights_offset(l);
    fill_uniform(NoiseKey{seed, Stream::init, static_cast<uint32_t>(l), 0}, 0,
                 std::span<float>(w, static_cast<std::size_t>(n_weights)));
    for (int64_t i = 0; i < n_weights; ++i) w[i] = a * (2.0f * w[i] - 1.0f);
  }
  return x;
}

}  // namespace valley
