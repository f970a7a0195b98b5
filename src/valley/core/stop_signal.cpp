#include "valley/core/stop_signal.h"

#include <signal.h>
#include <time.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <iterator>

#include <fmt/format.h>

namespace valley {
namespace {

constexpr int kStopSignals[] = {SIGINT, SIGTERM, SIGHUP};

static_assert(std::atomic<int>::is_always_lock_free && std::atomic<int64_t>::is_always_lock_free,
              "the handler needs lock-free atomics");
std::atomic<int> first_signal{0};
std::atomic<int64_t> first_signal_ns{0};  // CLOCK_MONOTONIC when it came

int64_t monotonic_ns() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);  // async-signal-safe
  return int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
}

// Which of kStopSignals have our handler (set before it is installed).
std::atomic<bool> installed[std::size(kStopSignals)] = {};

// Async-signal-safe: atomic stores, clock_gettime and sigaction, nothing
// that allocates.
extern "C" void on_stop_signal(int signal) {
  const int saved_errno = errno;
  int none = 0;
  if (first_signal_ns.load() == 0) first_signal_ns.store(monotonic_ns());
  first_signal.compare_exchange_strong(none, signal);
  // The next signal, of any of the three, takes its default action: at once.
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  sigemptyset(&default_action.sa_mask);
  for (std::size_t i = 0; i < std::size(kStopSignals); ++i)
    if (installed[i].load()) sigaction(kStopSignals[i], &default_action, nullptr);
  errno = saved_errno;
}

}  // namespace

void install_stop_handlers() {
  for (std::size_t i = 0; i < std::size(kStopSignals); ++i) {
    struct sigaction current {};
    if (sigaction(kStopSignals[i], nullptr, &current) != 0) continue;
    if ((current.sa_flags & SA_SIGINFO) != 0 || current.sa_handler != SIG_DFL) continue;
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    for (const int other : kStopSignals) sigaddset(&action.sa_mask, other);
    action.sa_flags = SA_RESTART;  // system calls under way go on
    installed[i].store(true);
    if (sigaction(kStopSignals[i], &action, nullptr) != 0) installed[i].store(false);
  }
}

int stop_signal() { return first_signal.load(std::memory_order_relaxed); }

double seconds_since_stop_signal() {
  if (first_signal.load() == 0) return 0.0;  // (its time was stored before it)
  return static_cast<double>(monotonic_ns() - first_signal_ns.load()) * 1e-9;
}

std::string signal_name(int signal) {
  switch (signal) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    case SIGHUP:
      return "SIGHUP";
    default:
      return fmt::format("signal {}", signal);
  }
}

void throw_if_stopped(const std::string& what, const std::string& then) {
  if (const int signal = stop_signal(); signal != 0)
    throw Interrupted(signal, fmt::format("{}: interrupted by {}{}", what, signal_name(signal), then));
}

}  // namespace valley
