#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include <cblas.h>
#include <sched.h>

#include "valley/backends/backend.h"
#include "valley/core/error.h"
#include "valley/core/spin_wait.h"
#include "valley/random/philox_normal.h"

namespace valley {
namespace {

// Set on threads while they run a piece of a parallel_for: a parallel_for
// called from inside one runs serially on the calling thread.
thread_local bool inside_parallel_for = false;

// The reference backend: n_threads − 1 persistent worker threads, woken for
// each parallel_for (starting threads per call costs tens of microseconds,
// as much as a whole inner step of the projected samplers). Workers poll
// briefly before they sleep (core/spin_wait.h): the methods issue
// parallel_for calls back to back (two per SGD update), so the next one
// usually arrives while they poll.
class CpuBackend final : public Backend {
 public:
  explicit CpuBackend(int n_threads) : n_threads_(n_threads) {
    // valley parallelizes over samples itself; BLAS calls inside a thread stay
    // single-threaded so that the two never compete for the cores.
    openblas_set_num_threads(1);
    for (int t = 1; t < n_threads; ++t) workers_.emplace_back([this, t] { work(t); });
  }

  ~CpuBackend() override {
    {
      const std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
  }

  std::string name() const override { return "cpu"; }
  int n_threads() const override { return n_threads_; }
  bool concurrent() const override { return n_threads_ >= 2 && !inside_parallel_for; }

  void fill_normal(const NoiseKey& key, uint64_t offset, std::span<float> out) const override {
    const int64_t n = static_cast<int64_t>(out.size());
    if (n < (int64_t{1} << 16) || !concurrent()) {
      valley::fill_normal(key, offset, out);
      return;
    }
    parallel_for(n, [&](int, int64_t begin, int64_t end) {
      valley::fill_normal(
          key, offset + static_cast<uint64_t>(begin),
          out.subspan(static_cast<std::size_t>(begin), static_cast<std::size_t>(end - begin)));
    });
  }

  // Pieces are claimed, not assigned: the caller and the woken workers take
  // the next unclaimed piece until none is left, so a worker that the OS has
  // not scheduled yet (a loaded machine) delays nothing — the caller runs its
  // piece too. Which thread runs a piece never changes the piece itself.
  void parallel_for(int64_t n, const std::function<void(int, int64_t, int64_t)>& body) const override {
    const int n_pieces = static_cast<int>(std::min<int64_t>(n_threads_, n));
    if (n_pieces <= 1 || inside_parallel_for) {
      if (n > 0) body(0, 0, n);
      return;
    }
    uint64_t generation;
    {
      const std::lock_guard lock(mutex_);
      task_ = &body;
      task_size_ = n;
      n_pieces_ = n_pieces;
      finished_.store(0, std::memory_order_relaxed);
      generation = (claims_.load(std::memory_order_relaxed) >> kPieceBits) + 1;
      claims_.store(generation << kPieceBits, std::memory_order_release);
    }
    wake_.notify_all();
    inside_parallel_for = true;
    run_pieces(0, generation, &body, n, n_pieces);
    inside_parallel_for = false;
    const auto all_finished = [&] { return finished_.load(std::memory_order_acquire) == n_pieces; };
    if (spin_until(all_finished)) return;
    std::unique_lock lock(mutex_);
    done_.wait(lock, all_finished);
  }

 private:
  // claims_ holds the generation of the current parallel_for in its high bits
  // and the number of pieces claimed so far in the low kPieceBits.
  static constexpr int kPieceBits = 16;
  static constexpr uint64_t kPieceMask = (uint64_t{1} << kPieceBits) - 1;

  // Claims and runs pieces of `generation` until none is left; the claim
  // fails once a later parallel_for has started. (`body` is a pointer: a
  // worker that arrives after the caller has run every piece must not touch
  // it, as the caller may have returned.)
  void run_pieces(int thread, uint64_t generation, const std::function<void(int, int64_t, int64_t)>* body,
                  int64_t n, int n_pieces) const {
    while (true) {
      uint64_t claims = claims_.load(std::memory_order_acquire);
      int64_t piece;
      do {
        piece = static_cast<int64_t>(claims & kPieceMask);
        if ((claims >> kPieceBits) != generation || piece >= n_pieces) return;
      } while (!claims_.compare_exchange_weak(claims, claims + 1, std::memory_order_acq_rel));
      (*body)(thread, n * piece / n_pieces, n * (piece + 1) / n_pieces);
      if (finished_.fetch_add(1, std::memory_order_acq_rel) + 1 == n_pieces) {
        const std::lock_guard lock(mutex_);  // a caller between its check and its wait sees the change
        done_.notify_all();
      }
    }
  }

  void work(int t) {
    inside_parallel_for = true;
    uint64_t seen = 0;
    while (true) {
      const auto posted = [&] { return (claims_.load(std::memory_order_acquire) >> kPieceBits) != seen; };
      if (!spin_until(posted)) {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [&] { return stop_ || posted(); });
      }
      const std::function<void(int, int64_t, int64_t)>* task;
      int64_t n;
      int pieces;
      {
        const std::lock_guard lock(mutex_);
        if (stop_) return;
        seen = claims_.load(std::memory_order_relaxed) >> kPieceBits;
        task = task_;
        n = task_size_;
        pieces = n_pieces_;
      }
      run_pieces(t, seen, task, n, pieces);
    }
  }

  int n_threads_;
  mutable std::mutex mutex_;
  mutable std::condition_variable wake_, done_;
  mutable const std::function<void(int, int64_t, int64_t)>* task_ = nullptr;
  mutable int64_t task_size_ = 0;
  mutable int n_pieces_ = 0;
  mutable std::atomic<int> finished_ = 0;     // pieces of the current parallel_for done
  mutable std::atomic<uint64_t> claims_ = 0;  // generation << kPieceBits | pieces claimed
  bool stop_ = false;
  std::vector<std::jthread> workers_;  // last: joined before the rest is destroyed
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend(int n_threads) {
  if (n_threads < 1 || n_threads > 1024) fail("--threads must be between 1 and 1024 (got {})", n_threads);
  return std::make_unique<CpuBackend>(n_threads);
}

int usable_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  int n = 0;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) n = CPU_COUNT(&set);
  if (n < 1) n = static_cast<int>(std::thread::hardware_concurrency());
  return std::clamp(n, 1, 256);
}

}  // namespace valley
