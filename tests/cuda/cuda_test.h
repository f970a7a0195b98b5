// A test that needs the CUDA device: skipped, with the reason, where this
// valley was built without CUDA or the machine has no usable GPU.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "valley/backends/device.h"
#include "valley/devices/device_registry.h"

namespace valley::testing {

class CudaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (cuda_device_count(&why) == 0) GTEST_SKIP() << "no CUDA device: " << why;
    device_ = make_device("cuda");
  }
  Device& device() { return *device_; }

 private:
  std::unique_ptr<Device> device_;
};

}  // namespace valley::testing
