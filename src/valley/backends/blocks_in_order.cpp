#include "valley/backends/blocks_in_order.h"

#include <condition_variable>
#include <exception>
#include <mutex>

namespace valley {

void for_blocks_in_order(const Backend& backend, int n_workers, int64_t first, int64_t end,
                         const std::function<void(int64_t block, int worker)>& compute,
                         const std::function<void(int64_t block, int worker)>& merge) {
  if (n_workers <= 0) return;
  int64_t next_to_merge = first;
  std::mutex mutex;
  std::condition_variable merged;
  std::exception_ptr failure;  // the first of any worker
  backend.parallel_for(n_workers, [&](int, int64_t first_worker, int64_t end_worker) {
    for (int64_t w = first_worker; w < end_worker; ++w) {
      const int worker = static_cast<int>(w);
      for (int64_t b = first + w; b < end; b += n_workers) {
        try {
          compute(b, worker);
        } catch (...) {
          const std::lock_guard lock(mutex);
          if (!failure) failure = std::current_exception();
        }
        // Merge in block order: wait for the blocks before this one.
        std::unique_lock lock(mutex);
        merged.wait(lock, [&] { return next_to_merge == b || failure; });
        if (failure) {
          merged.notify_all();
          return;
        }
        try {
          merge(b, worker);
        } catch (...) {
          failure = std::current_exception();
        }
        ++next_to_merge;
        merged.notify_all();
      }
    }
  });
  if (failure) std::rethrow_exception(failure);
}

}  // namespace valley
