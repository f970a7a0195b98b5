// One update of each method that runs on the GPU, against the CPU from the
// same x, minibatch and seed: within tol::kDeviceVsCpu (support/tolerances.h:
// the GPU's sums run in another order and with fused multiply-adds), and
// the same bits from run to run on the GPU.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>

#include "cuda/cuda_test.h"
#include "support/device_problem.h"
#include "support/tolerances.h"
#include "valley/core/error.h"
#include "valley/methods/method.h"

namespace valley {
namespace {

using CudaUpdates = testing::CudaTest;
using testing::DeviceProblem;
using testing::relative_difference;

constexpr const char* kNets[] = {"784-10", "784-200-10", "784-30-20-10"};

bool same_bits(const Vec& a, const Vec& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), sizeof(float) * a.size()) == 0;
}

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

// One update x_k → x_{k+1} of `config` on the CPU and on the GPU; compares
// the steps x_{k+1} − x_k, and runs the GPU update twice.
void compare_update(Device& device, MethodConfig config, const char* net) {
  DeviceProblem p(net);
  const auto cpu = make_method(config, *p.backend);
  const auto gpu = make_method(config, *p.backend, &device);
  Vec x_cpu = p.x, x_gpu = p.x, x_again = p.x;
  const UpdateStats cpu_stats = cpu->step(x_cpu, p.f, 3);
  const UpdateStats gpu_stats = gpu->step(x_gpu, p.f, 3);
  gpu->step(x_again, p.f, 3);
  const double diff = relative_difference(x_gpu - p.x, x_cpu - p.x);
  std::printf("%s %s: step ‖GPU − CPU‖/‖CPU‖ = %.3g (tolerance %.0e)\n", config.name.c_str(), net, diff,
              tol::kDeviceVsCpu);
  EXPECT_LE(diff, tol::kDeviceVsCpu) << config.name << " " << net;
  EXPECT_TRUE(same_bits(x_gpu, x_again)) << config.name << " " << net << ": two GPU runs differ";
  if (!std::isnan(cpu_stats.ess)) {
    EXPECT_NEAR(gpu_stats.ess, cpu_stats.ess, tol::kDeviceVsCpu * cpu_stats.ess);
  }
}

TEST_F(CudaUpdates, SgdStepMatchesCpu) {
  MethodConfig config;
  config.name = "sgd";
  config.sgd.lr = 0.1;
  for (const char* net : kNets) compare_update(device(), config, net);
}

TEST_F(CudaUpdates, ImportanceSamplingStepMatchesCpu) {
  MethodConfig config;
  config.name = "is";
  config.sampler = "full";
  config.n_samples = 1000;
  config.seed = 11;
  for (const char* net : kNets) compare_update(device(), config, net);
}

TEST_F(CudaUpdates, MethodsNotOnTheGpuAreOneLineErrors) {
  DeviceProblem p("784-10");
  for (const char* name : {"sgld", "heat", "sam", "entropy-sgd"}) {
    MethodConfig config;
    config.name = name;
    config.sampler = "full";
    try {
      make_method(config, *p.backend, &device());
      ADD_FAILURE() << name << " was built for the GPU";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("method ") + name), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace valley
