// `valley bench` cases: seconds per update of each method on a network, on
// synthetic images (the cost of an update does not depend on pixel values),
// beside the machine's ceilings measured in the same run: GFLOP/s of
// valley's GEMM (model/blas.h) at the update's shapes and normal draws per
// second of valley's generator.
// From the update's floating-point operations and normal draws, the ceilings
// give a lower bound on its time; the table reports the fraction reached.
// On a device the bound is the larger of that (at the device's FP32 and
// normal rates) and its kernel launches at the device's time per launch:
// small kernels in one stream cannot start faster than one per launch time.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "valley/backends/device.h"
#include "valley/backends/split_choice.h"
#include "valley/methods/method_config.h"
#include "valley/model/net_spec.h"

namespace valley::bench {

struct BenchSettings {
  int batch_size = 20;
  int n_threads = 1;
  int n_warmup = 2;
  int min_updates = 5;       // timed updates, at least …
  double min_seconds = 1.0;  // … and until this much time has passed
  int max_updates = 2000;
  // Whether ∇f runs layer 1's pieces on several threads (--split): timed on
  // the first calls, or fixed, to measure that rule.
  SplitChoice::Policy split = SplitChoice::Policy::measure;
  // cpu, cuda or emulate: the updates run on that device (backends/device.h),
  // bounded by the device's ceilings (Ceilings::device) rather than the CPU's.
  std::string device = "cpu";
};

// One core's throughput, measured now.
struct Ceilings {
  double normals_per_second = 0.0;
  std::vector<std::string> gemm_shapes;                              // "20x784x200" (B × n_{l−1} × n_l)
  std::vector<double> gemm_gflops;                                   // per shape
  double gemm_gflops_of(const NetSpec& spec, int batch_size) const;  // at layer 1's shape
  // With --device: the device's, measured now (Device::measure_ceilings).
  std::optional<DeviceCeilings> device;
};

// What one update must do: floating-point operations and normal draws.
struct UpdateWork {
  double flops = 0.0;
  double normals = 0.0;
  double sequential_flops = 0.0;  // flops that cannot be spread over threads (SGLD's chain, SGD)
};

struct BenchResult {
  std::string method;
  std::string sampler;
  std::string net;
  int n_updates = 0;
  double median_seconds = 0.0;
  double min_seconds = 0.0;
  double max_seconds = 0.0;
  double loss_evals = 0.0;      // per update
  double gradient_evals = 0.0;  // per update
  double launches = 0.0;        // kernel launches per update (on a device)
  UpdateWork work;
  double bound_seconds = 0.0;  // lower bound from the ceilings and the thread count (0: none)
};

Ceilings measure_ceilings(const std::vector<NetSpec>& specs, int batch_size);

UpdateWork update_work(const MethodConfig& method, const NetSpec& spec, int batch_size);

BenchResult bench_method(const MethodConfig& method, const NetSpec& spec, const BenchSettings& settings,
                         const Ceilings& ceilings);

std::string format_table(const std::vector<BenchResult>& results);
nlohmann::json to_json(const BenchResult& result);
nlohmann::json to_json(const Ceilings& ceilings);

}  // namespace valley::bench
