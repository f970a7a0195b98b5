// Waiting for another thread, cheaply when it is about to deliver: poll for a
// short while (a hand-over between two busy cores then costs well under a
// microsecond), and only then sleep, so that a thread the OS has descheduled
// does not cost its partner a core. Waking a sleeping thread costs 10–50 µs
// in a VM — as much as a whole inner step of the samplers.
#pragma once

#include <atomic>
#include <chrono>

namespace valley {

// How long to poll before sleeping.
inline constexpr auto kSpinBeforeSleep = std::chrono::microseconds(100);

// Polls `ready` until it returns true or kSpinBeforeSleep has passed; returns
// whether it did.
template <typename Ready>
bool spin_until(const Ready& ready) {
  const auto deadline = std::chrono::steady_clock::now() + kSpinBeforeSleep;
  while (true) {
    for (int i = 0; i < 64; ++i) {
      if (ready()) return true;
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    }
    if (std::chrono::steady_clock::now() >= deadline) return ready();
  }
}

// Returns once ready() holds; ready() may only change when `word` does, and
// whoever changes `word` calls word.notify_all() afterwards.
template <typename T, typename Ready>
void wait_until(const std::atomic<T>& word, const Ready& ready) {
  if (spin_until(ready)) return;
  while (true) {
    const T seen = word.load(std::memory_order_acquire);
    if (ready()) return;
    word.wait(seen, std::memory_order_acquire);
  }
}

}  // namespace valley
