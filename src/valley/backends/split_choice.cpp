#include "valley/backends/split_choice.h"

#include <algorithm>

namespace valley {
namespace {

template <std::size_t N>
double median_of(std::array<double, N> v) {
  std::nth_element(v.begin(), v.begin() + N / 2, v.end());
  return v[N / 2];
}

}  // namespace

void SplitChoice::set_policy(Policy policy) {
  policy_ = policy;
  n_timed_ = 0;
  split_ = policy != Policy::never;
}

bool SplitChoice::split() const {
  if (policy_ != Policy::measure || decided()) return split_;
  return n_timed_ % 2 == 0;
}

void SplitChoice::record(double seconds) {
  if (decided()) return;
  seconds_[static_cast<std::size_t>(n_timed_++)] = seconds;
  if (!decided()) return;
  std::array<double, kTrials> split{}, in_turn{};
  for (int t = 0; t < kTrials; ++t) {
    split[static_cast<std::size_t>(t)] = seconds_[static_cast<std::size_t>(2 * t)];
    in_turn[static_cast<std::size_t>(t)] = seconds_[static_cast<std::size_t>(2 * t + 1)];
  }
  split_ = median_of(split) < median_of(in_turn);
}

}  // namespace valley
