// Checks a CUDA runtime call: a failure becomes valley's one-line error
// naming the call, the source line and CUDA's own words.
#pragma once

#include <cuda_runtime_api.h>

#include "valley/core/error.h"

namespace valley::cuda {

inline void check(cudaError_t status, const char* call, const char* file, int line) {
  if (status != cudaSuccess)
    fail("CUDA: {} failed ({}:{}): {}", call, file, line, cudaGetErrorString(status));
}

}  // namespace valley::cuda

#define VALLEY_CUDA_CHECK(call) ::valley::cuda::check((call), #call, __FILE__, __LINE__)
