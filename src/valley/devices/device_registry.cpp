#include "valley/devices/device_registry.h"

#include "valley/backends/kernels/emulated_kernels.h"
#include "valley/core/error.h"

#ifdef VALLEY_HAVE_CUDA
#include "valley/backends/cuda/cuda_device.h"
#endif

namespace valley {

bool cuda_built_in() {
#ifdef VALLEY_HAVE_CUDA
  return true;
#else
  return false;
#endif
}

int cuda_device_count(std::string* why) {
#ifdef VALLEY_HAVE_CUDA
  return cuda::usable_device_count(why);
#else
  if (why != nullptr) *why = "this valley was built without CUDA";
  return 0;
#endif
}

void check_device_name(const std::string& name) {
  if (name != "cpu" && name != "cuda" && name != "emulate")
    fail("--device must be 'cpu', 'cuda' or 'emulate' (got '{}')", name);
}

std::unique_ptr<Device> make_device(const std::string& name) {
  check_device_name(name);
  if (name == "cpu") return nullptr;
  if (name == "emulate") return kernels::make_emulated_device();
#ifdef VALLEY_HAVE_CUDA
  return cuda::make_cuda_device();
#else
  fail(
      "--device cuda: this valley was built without CUDA (configure it where nvcc is present, or "
      "with -DVALLEY_CUDA=ON)");
#endif
}

}  // namespace valley
