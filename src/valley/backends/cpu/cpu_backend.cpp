#include <algorithm>
#include <thread>
#include <vector>

#include <cblas.h>

#include "valley/backends/backend.h"
#include "valley/core/error.h"

namespace valley {
namespace {

class CpuBackend final : public Backend {
 public:
  explicit CpuBackend(int n_threads) : n_threads_(n_threads) {
    // valley parallelizes over samples itself; BLAS calls inside a thread stay
    // single-threaded so that the two never compete for the cores.
    openblas_set_num_threads(1);
  }

  std::string name() const override { return "cpu"; }
  int n_threads() const override { return n_threads_; }

  void fill_normal(const NoiseKey& key, uint64_t offset, std::span<float> out) const override {
    const int64_t n = static_cast<int64_t>(out.size());
    if (n < (int64_t{1} << 16) || n_threads_ == 1) {
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
    if (n_pieces <= 1) {
      if (n > 0) body(0, 0, n);
      return;
    }
    std::vector<std::jthread> workers;
    workers.reserve(static_cast<std::size_t>(n_pieces - 1));
    for (int t = 1; t < n_pieces; ++t)
      workers.emplace_back([&, t] { body(t, n * t / n_pieces, n * (t + 1) / n_pieces); });
    body(0, 0, n / n_pieces);
  }

 private:
  int n_threads_;
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend(int n_threads) {
  if (n_threads < 1) fail("--threads must be ≥ 1 (got {})", n_threads);
  return std::make_unique<CpuBackend>(n_threads);
}

}  // namespace valley
