// The emulated kernels (kernels.h): every kernel's per-thread body run over its
// whole grid on the CPU, one thread, in order; memory is host memory. The
// kernel device built on them (make_emulated_device) runs exactly the
// sequences of --device cuda — the same bodies, launches, chunks and
// copies — so the tests check the GPU path's orchestration and arithmetic
// on any machine. It is a checking tool, not a fast path: it is slower than
// the CPU backend, whose products are blocked and vectorized.
#pragma once

#include <cstdint>
#include <memory>

#include "valley/backends/device.h"

namespace valley::kernels {

// (chunk: as make_kernel_device's; the tests use small ones.)
std::unique_ptr<Device> make_emulated_device(int64_t chunk = 256);

}  // namespace valley::kernels
