// What a method needs from the machine it runs on (DESIGN "Where it runs"):
// counter-based normal noise and a way to spread independent work over
// threads. Methods are written once against this interface; the CPU backend
// is the reference, and a CUDA backend slots in beside it without touching
// the algorithm files.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "valley/random/noise_key.h"

namespace valley {

class Backend {
 public:
  virtual ~Backend() = default;

  virtual std::string name() const = 0;
  virtual int n_threads() const = 0;
  // Whether a parallel_for called now runs its pieces at the same time (more
  // than one thread, and not called from inside another parallel_for, whose
  // nested calls run serially). Code whose pieces wait on each other needs it.
  virtual bool concurrent() const = 0;

  // out[t] = normal_at(key, offset + t): the same numbers on every backend
  // and for every thread count.
  virtual void fill_normal(const NoiseKey& key, uint64_t offset, std::span<float> out) const = 0;

  // Calls body(thread, begin, end) on contiguous pieces covering [0, n), one
  // piece per thread, and waits for all of them. Bodies must write disjoint
  // outputs; `thread` < n_threads() indexes per-thread workspaces.
  virtual void parallel_for(int64_t n, const std::function<void(int, int64_t, int64_t)>& body) const = 0;
};

// The reference CPU backend with `n_threads` worker threads (≥ 1).
std::unique_ptr<Backend> make_cpu_backend(int n_threads);

// The cores this process may run on (sched_getaffinity: what taskset,
// cgroups' cpusets and container limits leave it), at most 256: the default
// of every --threads. Results do not depend on it.
int usable_cores();

}  // namespace valley
