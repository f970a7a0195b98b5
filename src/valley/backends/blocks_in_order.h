// Independent blocks of work whose results are merged in block order: block
// b = first … end−1 is computed by worker (b − first) mod W of W pieces of a
// parallel_for, and merged only after block b − 1 was, one merge at a time —
// so the merged result is the same for any number of workers (any thread
// count). A worker's scratch is its own: compute and merge get its index.
#pragma once

#include <cstdint>
#include <functional>

#include "valley/backends/backend.h"

namespace valley {

// The first exception thrown by a compute or a merge stops the other workers
// at their next merge, and is rethrown here once all have stopped.
void for_blocks_in_order(const Backend& backend, int n_workers, int64_t first, int64_t end,
                         const std::function<void(int64_t block, int worker)>& compute,
                         const std::function<void(int64_t block, int worker)>& merge);

}  // namespace valley
