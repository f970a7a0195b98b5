// Minibatches (eq. 1: f is the mean loss over a minibatch of B examples).
// B = batch size, p = pixels per image.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "valley/data/dataset.h"

namespace valley {

// B images and their labels, copied out of a data set so that the network
// reads them contiguously.
struct Minibatch {
  int batch_size = 0;
  int pixels = 0;
  std::vector<float> images;    // B × p, row-major
  std::vector<uint8_t> labels;  // B
};

// Copies the images with the given indices into `out` (reusing its storage).
void gather_minibatch(const Dataset& data, std::span<const int64_t> indices, Minibatch& out);

// Outer update k uses positions [k·B, (k+1)·B) of an endless sequence of
// epochs, each a fresh seeded permutation of the training set: every image is
// seen once per epoch. Inner minibatches (--inner-batch fresh) for update k,
// inner step j are B indices drawn uniformly with replacement from the
// stream (seed, k, j). Both are pure functions of their arguments.
class MinibatchSampler {
 public:
  MinibatchSampler(int64_t n_examples, int batch_size, uint64_t seed);

  void outer_indices(uint64_t k, std::span<int64_t> out);
  void inner_indices(uint64_t k, uint64_t j, std::span<int64_t> out) const;

  int batch_size() const { return batch_size_; }

 private:
  const std::vector<int64_t>& permutation(uint64_t epoch);

  int64_t n_examples_;
  int batch_size_;
  uint64_t seed_;
  uint64_t cached_epoch_ = UINT64_MAX;
  std::vector<int64_t> cached_permutation_;
};

// The first `n` entries of a seeded random permutation of 0 … n_total − 1: a
// sample without replacement (for the evaluation and train-loss subsets).
std::vector<int64_t> sample_without_replacement(int64_t n_total, int64_t n, uint64_t seed, uint32_t stream);

}  // namespace valley
