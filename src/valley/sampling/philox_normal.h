// Counter-based randomness (DESIGN "Randomness"): every random number valley
// uses is a pure function of (seed, stream, k, j, i) — k the outer update, j
// the sample or inner step, i the coordinate. Philox4x32-10 (Random123) maps
// the counter {i / 4, j, k, stream} under the key {seed} to four 32-bit words;
// Box–Muller turns each pair of words into two standard normals. Nothing has
// hidden state, so results cannot depend on threads, chunking, ranks or device.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include <Random123/philox.h>

namespace valley {

// Independent streams of random numbers, one per use.
enum class Stream : uint32_t {
  init = 1,          // Glorot-uniform initial weights
  minibatch = 2,     // the per-epoch shuffle of the training set
  eval_subset = 3,   // which held-out images are used for evaluation
  train_subset = 4,  // which training images the logged train loss uses
  sgld = 5,          // Alg. 3: the Langevin noise η_j
  importance = 6,    // Alg. 4: the Gaussian samples x^j ~ φ_{x,τ}
  heat = 7,          // Alg. 5: the draws z^(m) ~ φ_{x^j,τ}
  inner_batch = 8,   // fresh minibatches inside one update (--inner-batch fresh)
  complement = 9,    // projected samplers: the noise the loss cannot see, drawn in closed form
  entropy_sgd = 10,  // Entropy-SGD: the thermal noise ξ of inner step j
  flatness = 11,     // valley flatness: perturbations, probes and directions (k names the use)
  test = 100,        // reserved for tests
};

// Names one stream of numbers: the seed, its use, the outer update k and the
// sample (or inner step) j. Coordinates i index into it.
struct NoiseKey {
  uint64_t seed = 0;
  Stream stream = Stream::test;
  uint32_t k = 0;
  uint32_t j = 0;
};

// The four Philox words for coordinates 4·block … 4·block + 3.
inline r123::Philox4x32::ctr_type philox_block(const NoiseKey& key, uint64_t block) {
  const r123::Philox4x32 rng;
  const r123::Philox4x32::ctr_type ctr = {{static_cast<uint32_t>(block), key.j, key.k,
                                           static_cast<uint32_t>(key.stream) ^
                                               (static_cast<uint32_t>(block >> 32) << 16)}};
  const r123::Philox4x32::key_type k = {
      {static_cast<uint32_t>(key.seed), static_cast<uint32_t>(key.seed >> 32)}};
  return rng(ctr, k);
}

// A uniform in the open interval (0, 1) from the top 23 bits of a word: the
// midpoints (n + ½)·2^-23 are all exactly representable below 1 in float.
inline float uniform_open(uint32_t bits) {
  return (static_cast<float>(bits >> 9) + 0.5f) * 0x1p-23f;
}

// A uniform integer in [0, n) (multiply-shift, bias below 2^-32·n).
inline uint32_t uniform_below(uint32_t bits, uint32_t n) {
  return static_cast<uint32_t>((static_cast<uint64_t>(bits) * n) >> 32);
}

// The standard normal number i of the stream `key`.
float normal_at(const NoiseKey& key, uint64_t i);

// out[t] = normal_at(key, offset + t) for every t: any split of a stream into
// pieces yields exactly the same numbers as filling it in one go.
void fill_normal(const NoiseKey& key, uint64_t offset, std::span<float> out);

// The same numbers as fill_normal without its SIMD kernel (for tests: every
// instruction set must draw the same bits).
void fill_normal_portable(const NoiseKey& key, uint64_t offset, std::span<float> out);

// The instruction set fill_normal's SIMD kernel runs with on this CPU
// ("AVX3", "AVX2", "SSE4", …; chosen at run time, simd/simd_targets.h).
std::string fill_normal_simd_target();

// out[t] = uniform_open(word offset + t of the stream).
void fill_uniform(const NoiseKey& key, uint64_t offset, std::span<float> out);

}  // namespace valley
