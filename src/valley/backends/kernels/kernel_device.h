// The Device (backends/device.h) whose updates are sequences of kernel
// launches (kernels.h): SGD's step, Alg. 4's sums, Alg. 3's chain and Alg. 5's
// iteration, each uploading x and the minibatch once, running its whole
// sequence on the processor and copying back only its result. With the
// CUDA kernels it is --device cuda; with the emulated kernels it runs the same
// sequences on the CPU, for the tests.
#pragma once

#include <memory>

#include "valley/backends/device.h"
#include "valley/backends/kernels/kernels.h"

namespace valley::kernels {

// IS's samples and heat's draws are evaluated `chunk` at a time (their
// activations held at once); the results do not depend on it.
std::unique_ptr<Device> make_kernel_device(std::unique_ptr<Kernels> kernels, int64_t chunk = 256);

}  // namespace valley::kernels
