// The name of one stream of random numbers (DESIGN "Randomness"): every
// random number valley uses is a pure function of (seed, stream, k, j, i),
// drawn by random/box_muller.h and random/philox_normal.h.
#pragma once

#include <cstdint>

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

}  // namespace valley
