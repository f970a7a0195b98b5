// The registry of devices: the one place that knows which devices this
// valley was built with (VALLEY_HAVE_CUDA, set by CMake when the CUDA backend
// is compiled in). It sits above the device implementations
// (backends/kernels, backends/cuda), which never include it.
#pragma once

#include <memory>
#include <string>

#include "valley/backends/device.h"

namespace valley {

// The device --device names: "cpu" gives none (nullptr: the CPU backend runs
// everything); "cuda" the first CUDA device; "emulate" the kernel device on
// the emulated kernels (backends/kernels/emulated_kernels.h: the GPU path's
// sequences and kernel bodies run on this CPU, one thread — slow, for
// checking the GPU path where there is no GPU). A valley built without CUDA, or
// a machine without a usable CUDA device, is a one-line error naming the
// flag.
std::unique_ptr<Device> make_device(const std::string& name);

// A one-line error unless `name` is one of the devices above (whether or not
// this machine has it).
void check_device_name(const std::string& name);

// Whether this valley was built with the CUDA backend.
bool cuda_built_in();

// The CUDA devices this process can use (0 without CUDA, a driver or a GPU);
// why there are none goes into `why` when given.
int cuda_device_count(std::string* why = nullptr);

}  // namespace valley
