#include "valley/sampling/philox_normal.h"

namespace valley {
namespace {

// The four normals of one Philox block.
inline void normals_of_block(const NoiseKey& key, uint64_t block, float z[4]) {
  const auto w = philox_block(key, block);
  box_muller(uniform_open(w[0]), uniform_open(w[1]), z[0], z[1]);
  box_muller(uniform_open(w[2]), uniform_open(w[3]), z[2], z[3]);
}

}  // namespace

float normal_at(const NoiseKey& key, uint64_t i) {
  float z[4];
  normals_of_block(key, i / 4, z);
  return z[i % 4];
}

void fill_normal(const NoiseKey& key, uint64_t offset, std::span<float> out) {
  std::size_t t = 0;
  const std::size_t n = out.size();
  float z[4];
  // A leading partial block, then whole blocks, then a trailing partial block.
  while (t < n && (offset + t) % 4 != 0) {
    out[t] = normal_at(key, offset + t);
    ++t;
  }
  for (; t + 4 <= n; t += 4) {
    normals_of_block(key, (offset + t) / 4, z);
    out[t] = z[0];
    out[t + 1] = z[1];
    out[t + 2] = z[2];
    out[t + 3] = z[3];
  }
  for (; t < n; ++t) out[t] = normal_at(key, offset + t);
}

void fill_uniform(const NoiseKey& key, uint64_t offset, std::span<float> out) {
  for (std::size_t t = 0; t < out.size(); ++t) {
    const uint64_t i = offset + t;
    out[t] = uniform_open(philox_block(key, i / 4)[i % 4]);
  }
}

}  // namespace valley
