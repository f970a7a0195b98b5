#include "valley/backends/noise_ahead.h"

#include <atomic>
#include <exception>

#include "valley/core/spin_wait.h"

namespace valley {

void NoiseAhead::run(const Backend& backend, Eigen::Index d, int64_t n_steps, const Fill& fill,
                     const Step& step) {
  for (Vec& buffer : ring_) buffer.resize(d);
  const auto buffer = [&](int64_t j) {
    return std::span<float>(ring_[j % 2].data(), static_cast<std::size_t>(d));
  };
  if (!backend.concurrent() || d < kMinDimensionAhead) {
    for (int64_t j = 1; j <= n_steps; ++j)
      step(j, [&] {
        fill(j, buffer(j), true);
        return ring_[j % 2].data();
      });
    return;
  }
  // A second thread fills ring_[j % 2] for step j while step j − 1 runs:
  // `produced` counts the buffers filled, `consumed` those the loop has used
  // (a buffer is free again once consumed ≥ its step − 1). The loop and the
  // producer are the two pieces of one parallel_for, so a parallel_for
  // inside a step runs serially rather than asking for a third core.
  std::atomic<int64_t> produced = 0, consumed = 0;
  std::atomic<bool> stop = false;
  const auto produce = [&] {
    for (int64_t j = 1; j <= n_steps; ++j) {
      // Buffer j % 2 last held step j − 2.
      wait_until(consumed, [&] {
        return stop.load(std::memory_order_relaxed) || consumed.load(std::memory_order_acquire) >= j - 2;
      });
      if (stop) return;
      fill(j, buffer(j), false);
      produced.store(j, std::memory_order_release);
      produced.notify_all();
    }
  };
  const auto run_steps = [&] {
    for (int64_t j = 1; j <= n_steps; ++j) {
      step(j, [&] {
        wait_until(produced, [&] { return produced.load(std::memory_order_acquire) >= j; });
        return ring_[j % 2].data();
      });
      consumed.store(j, std::memory_order_release);
      consumed.notify_all();
    }
  };
  // An exception in a step (a bad inner batch) must still release the
  // producer, or the parallel_for would never return.
  std::exception_ptr step_error;
  backend.parallel_for(2, [&](int, int64_t piece, int64_t) {
    if (piece == 1) {
      produce();
      return;
    }
    try {
      run_steps();
    } catch (...) {
      step_error = std::current_exception();
      stop = true;
      consumed.fetch_add(1, std::memory_order_release);  // wakes a producer waiting for a buffer
      consumed.notify_all();
    }
  });
  if (step_error) std::rethrow_exception(step_error);
}

}  // namespace valley
