// The CUDA device (backends/device.h) and what devices/device_registry.cpp
// asks of it. Built only where nvcc is present (VALLEY_CUDA).
#pragma once

#include <memory>
#include <string>

#include "valley/backends/device.h"

namespace valley::cuda {

// The first CUDA device; a one-line error naming --device cuda and CUDA's
// reason when there is none (no driver, no GPU).
std::unique_ptr<Device> make_cuda_device();

// The CUDA devices this process can use; why there are none into `why`.
int usable_device_count(std::string* why);

}  // namespace valley::cuda
