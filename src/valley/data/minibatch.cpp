#include "valley/data/minibatch.h"

#include <algorithm>
#include <numeric>

#include "valley/random/philox_normal.h"

namespace valley {
namespace {

// Fisher–Yates shuffle driven by the stream `key`.
void shuffle(std::vector<int64_t>& order, const NoiseKey& key) {
  if (order.empty()) return;
  for (std::size_t i = order.size() - 1; i > 0; --i) {
    const uint32_t word = philox_block(key, i / 4)[i % 4];
    const std::size_t j = uniform_below(word, static_cast<uint32_t>(i + 1));
    std::swap(order[i], order[j]);
  }
}

}  // namespace

void gather_minibatch(const Dataset& data, std::span<const int64_t> indices, Minibatch& out) {
  const int64_t p = data.pixels();
  out.batch_size = static_cast<int>(indices.size());
  out.pixels = static_cast<int>(p);
  out.images.resize(indices.size() * static_cast<std::size_t>(p));
  out.labels.resize(indices.size());
  for (std::size_t b = 0; b < indices.size(); ++b) {
    std::copy_n(data.image(indices[b]), p, out.images.begin() + static_cast<int64_t>(b) * p);
    out.labels[b] = data.labels[static_cast<std::size_t>(indices[b])];
  }
}

MinibatchSampler::MinibatchSampler(int64_t n_examples, int batch_size, uint64_t seed)
    : n_examples_(n_examples), batch_size_(batch_size), seed_(seed) {}

const std::vector<int64_t>& MinibatchSampler::permutation(uint64_t epoch) {
  if (epoch != cached_epoch_) {
    cached_permutation_.resize(static_cast<std::size_t>(n_examples_));
    std::iota(cached_permutation_.begin(), cached_permutation_.end(), 0);
    shuffle(cached_permutation_, NoiseKey{seed_, Stream::minibatch, static_cast<uint32_t>(epoch), 0});
    cached_epoch_ = epoch;
  }
  return cached_permutation_;
}

void MinibatchSampler::outer_indices(uint64_t k, std::span<int64_t> out) {
  const uint64_t n = static_cast<uint64_t>(n_examples_);
  for (std::size_t b = 0; b < out.size(); ++b) {
    const uint64_t position = k * static_cast<uint64_t>(batch_size_) + b;
    out[b] = permutation(position / n)[position % n];
  }
}

void MinibatchSampler::inner_indices(uint64_t k, uint64_t j, std::span<int64_t> out) const {
  const NoiseKey key{seed_, Stream::inner_batch, static_cast<uint32_t>(k), static_cast<uint32_t>(j)};
  for (std::size_t b = 0; b < out.size(); ++b)
    out[b] = uniform_below(philox_block(key, b / 4)[b % 4], static_cast<uint32_t>(n_examples_));
}

std::vector<int64_t> sample_without_replacement(int64_t n_total, int64_t n, uint64_t seed, uint32_t stream) {
  std::vector<int64_t> order(static_cast<std::size_t>(n_total));
  std::iota(order.begin(), order.end(), 0);
  shuffle(order, NoiseKey{seed, static_cast<Stream>(stream), 0, 0});
  order.resize(static_cast<std::size_t>(std::min(n, n_total)));
  return order;
}

}  // namespace valley
