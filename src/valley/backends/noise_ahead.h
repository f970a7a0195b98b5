// A sequential loop of steps j = 1 … n whose noise does not depend on the
// loop (Alg. 3's chain): with two or more threads and enough coordinates,
// step j's noise is drawn one step ahead on a second thread while the loop
// computes step j − 1; otherwise each step draws its own on all threads. The
// noise is the same either way (fill's, bit for bit).
#pragma once

#include <cstdint>
#include <functional>
#include <span>

#include "valley/backends/backend.h"
#include "valley/core/types.h"

namespace valley {

class NoiseAhead {
 public:
  // fill(j, out, on_all_threads) draws step j's d normals into out.
  using Fill = std::function<void(int64_t j, std::span<float> out, bool on_all_threads)>;
  // step(j, noise) runs step j; noise() returns its d normals (waiting for
  // them if need be), valid until step returns.
  using Step = std::function<void(int64_t j, const std::function<const float*()>& noise)>;

  // Runs step(1) … step(n_steps). An exception in a step ends the loop (and
  // the drawing thread) and is rethrown.
  void run(const Backend& backend, Eigen::Index d, int64_t n_steps, const Fill& fill, const Step& step);

 private:
  // Below this many coordinates the hand-over costs more than the draws.
  static constexpr Eigen::Index kMinDimensionAhead = 1 << 12;
  Vec ring_[2];  // step j's noise is ring_[j % 2]
};

}  // namespace valley
