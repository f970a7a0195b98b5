// A one-line progress display on stderr, redrawn in place, shown only when
// stderr is a terminal.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace valley {

class Progress {
 public:
  // n_start: updates done before this process started (a resumed run), left
  // out of the time estimate.
  Progress(int64_t n_total, bool enabled, int64_t n_start = 0);
  ~Progress();

  // Redraws at most a few times per second.
  void update(int64_t n_done, const std::string& status);
  void finish();

 private:
  int64_t n_total_;
  int64_t n_start_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace valley
