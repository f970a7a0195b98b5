// The kernel device (backends/kernels/kernel_device.h) through the host
// kernels: the very sequences of --device cuda — launches, chunks, copies and
// the per-thread bodies of the CUDA kernels — run on the CPU, so that every
// method's GPU path is checked against the CPU reference on every machine
// (tests/cuda repeats the comparisons on a GPU at the paper's sizes).
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "support/device_problem.h"
#include "support/device_update.h"
#include "support/tolerances.h"
#include "valley/backends/kernels/emulated_kernels.h"
#include "valley/core/error.h"
#include "valley/methods/method.h"

namespace valley {
namespace {

using testing::DeviceProblem;
using testing::relative_difference;

// Small nets (the emulated kernels are plain loops); one, two and three layers.
constexpr const char* kNets[] = {"784-10", "784-30-10", "784-12-8-10"};

TEST(KernelDevice, GradientMatchesTheCpu) {
  const auto device = kernels::make_emulated_device();
  for (const char* net : kNets) {
    DeviceProblem p(net);
    Vec cpu(p.x.size()), on_device(p.x.size());
    const double f_cpu = p.f.gradient(p.x, cpu);
    const double f = device->loss_and_gradient(p.x, p.device_batch(), on_device);
    EXPECT_NEAR(f, f_cpu, tol::kDeviceVsCpu * f_cpu) << net;
    EXPECT_LE(relative_difference(on_device, cpu), tol::kDeviceVsCpu) << net;
  }
}

TEST(KernelDevice, EveryMethodMatchesTheCpu) {
  // Chunks of 3 samples (IS) and draws (heat): their split must not matter.
  const auto device = kernels::make_emulated_device(3);
  for (const auto& [what, config] : testing::methods_on_the_device(37, 4, 7))
    for (const char* net : kNets) testing::compare_update(*device, config, net, what);
}

TEST(KernelDevice, NormalsAreTheCpusBits) {
  const auto device = kernels::make_emulated_device();
  const NoiseKey key{0xFEDCBA9876543210ull, Stream::sgld, 7, 123};
  std::vector<float> cpu(1003), on_device(1003);
  fill_normal(key, 5, cpu);
  device->fill_normal(key, 5, on_device);
  EXPECT_TRUE(testing::same_bits(Eigen::Map<Vec>(cpu.data(), 1003), Eigen::Map<Vec>(on_device.data(), 1003)));
}

TEST(KernelDevice, CountsItsLaunchesAndMeasuresItsCeilings) {
  const auto device = kernels::make_emulated_device();
  DeviceProblem p("784-30-10");
  const int64_t before = device->launches();
  device->gradient_step(p.x, p.device_batch(), 0.1f);
  // L = 2: 2 forward, 1 loss, 2 × 2 weight and bias gradients, 1 input gradient, 1 step
  EXPECT_EQ(device->launches() - before, 9);
  const DeviceCeilings c = device->measure_ceilings();
  for (const double rate :
       {c.flops_per_second, c.normals_per_second, c.bytes_per_second, c.seconds_per_launch})
    EXPECT_TRUE(std::isfinite(rate) && rate > 0) << rate;
}

TEST(KernelDevice, MethodsNotOnTheDeviceAreOneLineErrors) {
  const auto device = kernels::make_emulated_device();
  DeviceProblem p("784-10");
  const auto expect_error = [&](MethodConfig config, const std::string& expected) {
    try {
      make_method(config, *p.backend, device.get());
      ADD_FAILURE() << config.name << " --sampler " << config.sampler << " was built for the device";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
    }
  };
  for (const char* name : {"sam", "entropy-sgd"}) {
    MethodConfig config;
    config.name = name;
    expect_error(config, std::string("method ") + name);
  }
  MethodConfig diagonal_is;
  diagonal_is.name = "is";
  diagonal_is.sampler = "full";
  diagonal_is.covariance.kind = "diag";
  expect_error(diagonal_is, "is with --covariance diag");
}

}  // namespace
}  // namespace valley
