// One method's updates on a device against the CPU (tests/backends with the
// emulated kernels, tests/cuda with the GPU): two updates k = 3, 4 from the same
// x, minibatch and seed (the second continues SGLD's chains and SGD's
// momentum), the steps compared within tol::kDeviceVsCpu
// (support/tolerances.h), and a second device run giving the same bits.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "support/device_problem.h"
#include "support/tolerances.h"
#include "valley/backends/device.h"
#include "valley/methods/method.h"

namespace valley::testing {

inline bool same_bits(const Vec& a, const Vec& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), sizeof(float) * a.size()) == 0;
}

// Every method, sampler and option that runs on a device, with J samples (IS, SGLD)
// and heat's J iterations of M draws.
inline std::vector<std::pair<std::string, MethodConfig>> methods_on_the_device(int64_t samples,
                                                                               int64_t rm_iters,
                                                                               int64_t rm_draws) {
  std::vector<std::pair<std::string, MethodConfig>> out;
  const auto add = [&](const std::string& what, const std::string& name) -> MethodConfig& {
    MethodConfig config;
    config.name = name;
    config.sampler = "full";
    config.seed = 11;
    if (name != "sgd" && name != "heat") config.n_samples = samples;
    config.heat.n_iterations = rm_iters;
    config.heat.n_draws = rm_draws;
    if (name == "heat") config.heat.c = 0.5;  // (a step large enough to compare)
    return out.emplace_back(what, config).second;
  };
  add("sgd", "sgd").sgd.lr = 0.1;
  {
    MethodConfig& sgd = add("sgd with nesterov momentum, weight decay and an lr drop", "sgd");
    sgd.sgd.lr = 0.05;
    sgd.base.momentum = 0.9;
    sgd.base.nesterov = true;
    sgd.base.weight_decay = 1e-3;
    sgd.base.lr_drops = {4};
  }
  add("is", "is");
  add("is after one sgd update", "is").sgd_first = 4;
  add("sgld", "sgld");
  add("sgld, 2 chains", "sgld").sgld.chains = 2;
  add("sgld, stddev noise", "sgld").sgld.noise = "stddev";
  add("sgld, diagonal covariance", "sgld").covariance.kind = "diag";
  add("heat", "heat");
  add("is, projected sampler", "is").sampler = "projected";
  add("sgld, projected sampler", "sgld").sampler = "projected";
  add("heat, projected sampler", "heat").sampler = "projected";
  return out;
}

inline void compare_update(Device& device, const MethodConfig& config, const char* net,
                           const std::string& what) {
  DeviceProblem p(net);
  const auto cpu = make_method(config, *p.backend);
  const auto gpu = make_method(config, *p.backend, &device);
  const auto again = make_method(config, *p.backend, &device);
  Vec x_cpu = p.x, x_gpu = p.x, x_again = p.x;
  for (const uint64_t k : {3, 4}) {
    const UpdateStats cpu_stats = cpu->step(x_cpu, p.f, k);
    const UpdateStats gpu_stats = gpu->step(x_gpu, p.f, k);
    again->step(x_again, p.f, k);
    if (!std::isnan(cpu_stats.ess)) {
      EXPECT_NEAR(gpu_stats.ess, cpu_stats.ess, tol::kDeviceVsCpu * cpu_stats.ess) << what << " " << net;
    }
  }
  const double diff = relative_difference(x_gpu - p.x, x_cpu - p.x);
  std::printf("%s %s: two updates, ‖device − CPU‖/‖CPU‖ = %.3g (tolerance %.0e)\n", what.c_str(), net, diff,
              tol::kDeviceVsCpu);
  EXPECT_GT((x_cpu - p.x).norm(), 0.0f) << what << " " << net << ": the CPU did not move";
  EXPECT_LE(diff, tol::kDeviceVsCpu) << what << " " << net;
  EXPECT_TRUE(same_bits(x_gpu, x_again)) << what << " " << net << ": two device runs differ";
}

}  // namespace valley::testing
