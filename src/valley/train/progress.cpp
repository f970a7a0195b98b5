#include "valley/train/progress.h"

#include <cstdio>

#include <fmt/format.h>
#include <unistd.h>

namespace valley {

Progress::Progress(int64_t n_total, bool enabled, int64_t n_start)
    : n_total_(n_total),
      n_start_(n_start),
      enabled_(enabled && ::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

Progress::~Progress() { finish(); }

void Progress::update(int64_t n_done, const std::string& status) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (n_done < n_total_ && now - last_draw_ < std::chrono::milliseconds(200)) return;
  last_draw_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const int64_t n_here = n_done - n_start_;
  const double eta = n_here > 0 ? elapsed / static_cast<double>(n_here) * (n_total_ - n_done) : 0.0;
  fmt::print(stderr, "\r\033[K[{:>6}/{}] {:5.1f}%  {}  elapsed {:.0f}s  eta {:.0f}s", n_done, n_total_,
             n_total_ > 0 ? 100.0 * n_done / n_total_ : 100.0, status, elapsed, eta);
  std::fflush(stderr);
  drawn_ = true;
}

void Progress::finish() {
  if (drawn_) fmt::print(stderr, "\n");
  drawn_ = false;
}

}  // namespace valley
