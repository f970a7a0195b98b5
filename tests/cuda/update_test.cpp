// Each method that runs on the GPU against the CPU from the same x,
// minibatch and seed (support/device_update.h): within tol::kDeviceVsCpu
// (support/tolerances.h: the GPU's sums run in another order and with fused
// multiply-adds), and the same bits from run to run on the GPU. At the
// paper's sizes (784-200-10, J = 1000); tests/backends/kernel_device_test.cpp
// runs the same comparisons through the emulated kernels at small sizes.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>

#include "cuda/cuda_test.h"
#include "support/device_problem.h"
#include "support/device_update.h"
#include "support/tolerances.h"
#include "valley/core/error.h"
#include "valley/methods/method.h"

namespace valley {
namespace {

using CudaUpdates = testing::CudaTest;
using testing::compare_update;
using testing::DeviceProblem;
using testing::methods_on_the_device;
using testing::relative_difference;

constexpr const char* kNets[] = {"784-10", "784-200-10", "784-30-20-10"};

TEST_F(CudaUpdates, GradientMatchesCpu) {
  for (const char* net : kNets) {
    DeviceProblem p(net);
    Vec cpu(p.x.size()), gpu(p.x.size());
    const double f_cpu = p.f.gradient(p.x, cpu);
    const double f_gpu = device().loss_and_gradient(p.x, p.device_batch(), gpu);
    EXPECT_NEAR(f_gpu, f_cpu, tol::kDeviceVsCpu * f_cpu) << net;
    const double diff = relative_difference(gpu, cpu);
    std::printf("%s: gradient ‖GPU − CPU‖/‖CPU‖ = %.3g (tolerance %.0e)\n", net, diff, tol::kDeviceVsCpu);
    EXPECT_LE(diff, tol::kDeviceVsCpu) << net;
  }
}

TEST_F(CudaUpdates, EveryMethodOnTheGpuMatchesCpu) {
  for (const auto& [what, config] : methods_on_the_device(1000, 30, 30))
    for (const char* net : kNets) compare_update(device(), config, net, what);
}

// The same at small sizes: short enough for compute-sanitizer (scripts/gpu-check.sh).
TEST_F(CudaUpdates, EveryMethodAtSmallSizes) {
  for (const auto& [what, config] : methods_on_the_device(37, 4, 7))
    for (const char* net : {"784-10", "784-12-8-10"}) compare_update(device(), config, net, what);
}

}  // namespace
}  // namespace valley
