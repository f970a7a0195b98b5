#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include <cblas.h>

#include "valley/backends/backend.h"
#include "valley/core/error.h"

namespace valley {
namespace {

// Set on threads while they run a piece of a parallel_for: a parallel_for
// called from inside one runs serially on the calling thread.
thread_local bool inside_parallel_for = false;

// The reference backend: n_threads − 1 persistent worker threads, woken for
// each parallel_for (starting threads per call costs tens of microseconds,
// as much as a whole inner step of the projected samplers).
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

  void fill_normal(const NoiseKey& key, uint64_t offset, std::span<float> out) const override {
    const int64_t n = static_cast<int64_t>(out.size());
    if (n < (int64_t{1} << 16) || n_threads_ == 1 || inside_parallel_for) {
      valley::fill_normal(key, offset, out);
      return;
    }
    parallel_for(n, [&](int, int64_t begin, int64_t end) {
      valley::fill_normal(key, offset + static_cast<uint64_t>(begin),
                          out.subspan(static_cast<std::size_t>(begin), static_cast<std::size_t>(end - begin)));
    });
  }

  void parallel_for(int64_t n,
                    const std::function<void(int, int64_t, int64_t)>& body) const override {
    const int n_pieces = static_cast<int>(std::min<int64_t>(n_threads_, n));
    if (n_pieces <= 1 || inside_parallel_for) {
      if (n > 0) body(0, 0, n);
      return;
    }
    {
      const std::lock_guard lock(mutex_);
      task_ = &body;
      task_size_ = n;
      n_pieces_ = n_pieces;
      remaining_ = n_pieces - 1;
      ++generation_;
    }
    wake_.notify_all();
    inside_parallel_for = true;
    body(0, 0, n / n_pieces);
    inside_parallel_for = false;
    std::unique_lock lock(mutex_);
    done_.wait(lock, [&] { return remaining_ == 0; });
  }

 private:
  void work(int t) {
    inside_parallel_for = true;
    uint64_t seen = 0;
    std::unique_lock lock(mutex_);
    while (true) {
      wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      if (t >= n_pieces_) continue;
      const auto* task = task_;
      const int64_t n = task_size_;
      const int pieces = n_pieces_;
      lock.unlock();
      (*task)(t, n * t / pieces, n * (t + 1) / pieces);
      lock.lock();
      if (--remaining_ == 0) done_.notify_all();
    }
  }

  int n_threads_;
  mutable std::mutex mutex_;
  mutable std::condition_variable wake_, done_;
  mutable const std::function<void(int, int64_t, int64_t)>* task_ = nullptr;
  mutable int64_t task_size_ = 0;
  mutable int n_pieces_ = 0;
  mutable int remaining_ = 0;
  mutable uint64_t generation_ = 0;
  bool stop_ = false;
  std::vector<std::jthread> workers_;  // last: joined before the rest is destroyed
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend(int n_threads) {
  if (n_threads < 1) fail("--threads must be ≥ 1 (got {})", n_threads);
  return std::make_unique<CpuBackend>(n_threads);
}

}  // namespace valley
