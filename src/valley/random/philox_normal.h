// Counter-based randomness (DESIGN "Randomness"): every random number valley
// uses is a pure function of (seed, stream, k, j, i) — k the outer update, j
// the sample or inner step, i the coordinate. Philox4x32-10 (Random123) maps
// the counter {i / 4, j, k, stream} under the key {seed} to four 32-bit words;
// Box–Muller turns each pair of words into two standard normals. Nothing has
// hidden state, so results cannot depend on threads, chunking, ranks or device.
// The scalar path, shared with the CUDA kernels, is random/box_muller.h.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "valley/random/box_muller.h"

namespace valley {

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
