// valley bench: seconds per update of each method on the paper's networks,
// as a table of medians over timed updates after a warm-up, beside the
// machine's ceilings measured in the same run.
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "method_bench.h"
#include "valley/backends/backend.h"
#include "valley/backends/device.h"
#include "valley/cli/commands.h"
#include "valley/devices/device_registry.h"
#include "valley/options/flags.h"
#include "valley/core/atomic_file.h"
#include "valley/core/error.h"
#include "valley/core/version.h"
#include "valley/model/skinny_gemm.h"
#include "valley/random/philox_normal.h"
#include "valley/train/results.h"

namespace valley::cli {

void add_bench_command(CLI::App& app) {
  auto config = std::make_shared<MethodConfig>();
  auto settings = std::make_shared<bench::BenchSettings>();
  auto methods = std::make_shared<std::vector<std::string>>(
      std::vector<std::string>{"sgd", "is", "sgld", "heat", "sam", "entropy-sgd"});
  auto nets = std::make_shared<std::vector<std::string>>(std::vector<std::string>{"784-10", "784-200-10"});
  auto samplers = std::make_shared<std::vector<std::string>>(std::vector<std::string>{"full", "projected"});
  auto json_path = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "bench",
      "Time updates of each method on the paper's networks (batch 20, τ = 0.01, 1000 samples, "
      "heat M = J = 30; sam: 2 gradients; entropy-sgd: L = 20 gradients on fresh minibatches) "
      "and print medians beside the machine's measured ceilings and SGD's");
  cmd->add_option("--methods", *methods,
                  "Methods to time (also is-diag and sgld-diag: is and sgld with --covariance diag)")
      ->capture_default_str()
      ->delimiter(',');
  cmd->add_option("--nets", *nets, "Networks to time")->capture_default_str()->delimiter(',');
  cmd->add_option("--samplers", *samplers, "Samplers of the regularized methods, side by side")
      ->capture_default_str()
      ->delimiter(',');
  cmd->add_option("--batch", settings->batch_size, "Minibatch size")->capture_default_str();
  settings->n_threads = usable_cores();
  cmd->add_option("--threads", settings->n_threads,
                  "Worker threads (default: the cores this process may use; results do not depend on it)")
      ->capture_default_str();
  auto split = std::make_shared<std::string>("auto");
  cmd->add_option("--split", *split,
                  "Whether ∇f splits the first layer's products over the threads: auto (the faster "
                  "of the two, timed on the first calls), always or never; the numbers are the same")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "always", "never"}));
  cmd->add_option("--min-updates", settings->min_updates, "Timed updates per case, at least")
      ->capture_default_str();
  cmd->add_option("--min-seconds", settings->min_seconds, "Time each case for at least this long")
      ->capture_default_str();
  cmd->add_option("--seed", config->seed, "Seed")->capture_default_str()->check(non_negative());
  cmd->add_option("--json", *json_path, "Also save the results as JSON in this file");
  add_device_flag(*cmd, settings->device);
  cmd->callback([cmd, config, settings, methods, nets, samplers, json_path, split] {
    require_device(settings->device);
    if (!json_path->empty()) expect_not_a_run_file(*json_path, "--json");
    std::string device_name = "cpu";
    std::optional<DeviceCeilings> device_ceilings;
    if (settings->device != "cpu") {
      const std::unique_ptr<Device> device = make_device(settings->device);
      device_name = device->name();
      device_ceilings = device->measure_ceilings();
      // By default, what runs on the device (make_method names the rest).
      if (cmd->count("--methods") == 0) *methods = {"sgd", "is", "sgld", "heat"};
    }
    settings->split = *split == "always"  ? SplitChoice::Policy::always
                      : *split == "never" ? SplitChoice::Policy::never
                                          : SplitChoice::Policy::measure;
    if (settings->batch_size < 1) fail("--batch must be ≥ 1 (got {})", settings->batch_size);
    if (settings->n_threads < 1) fail("--threads must be ≥ 1 (got {})", settings->n_threads);
    if (settings->min_updates < 5) fail("--min-updates must be ≥ 5 (got {})", settings->min_updates);
    std::vector<NetSpec> specs;
    for (const std::string& net : *nets) specs.push_back(NetSpec::parse(net, "--nets"));
    std::vector<MethodConfig> configs;
    for (const std::string& name : *methods)
      for (const std::string& sampler : *samplers) {
        MethodConfig method = *config;
        method.name = name;
        const bool sampled = name == "sgld" || name == "is" || name == "heat";
        method.sampler = sampled ? sampler : "full";
        if (name == "is-diag" || name == "sgld-diag") {  // --covariance diag (full sampler only)
          method.name = name.substr(0, name.find('-'));
          method.covariance.kind = "diag";
        }
        validate(method);
        if (sampled || sampler == samplers->front()) configs.push_back(method);
      }
    bench::Ceilings ceilings = bench::measure_ceilings(specs, settings->batch_size);
    ceilings.device = device_ceilings;
    std::vector<bench::BenchResult> results;
    for (const MethodConfig& method : configs)
      for (const NetSpec& spec : specs) {
        fmt::print(stderr, "timing {}{} ({}) on {} …\n", method.name,
                   method.covariance.kind == "diag" ? " --covariance diag" : "", method.sampler, spec.str());
        results.push_back(bench::bench_method(method, spec, *settings, ceilings));
        if (method.covariance.kind == "diag") results.back().method = method.name + "-diag";
      }
    fmt::print("valley {} bench: batch {}, {} thread(s), split {}, τ = 0.01, J = 1000, heat M = J = 30\n",
               kVersion, settings->batch_size, settings->n_threads, *split);
    if (device_ceilings)
      fmt::print(
          "device: {}\ndevice ceilings, measured now: FP32 {:.4g} TFLOP/s, normals {:.4g} G/s, copy "
          "{:.4g} GB/s, {:.3g} µs per launch in one stream\n"
          "bound on the device: the larger of its flops and normals at those rates and its "
          "launches × the time per launch (the CPU ceilings below bound nothing there)\n",
          device_name, device_ceilings->flops_per_second * 1e-12, device_ceilings->normals_per_second * 1e-9,
          device_ceilings->bytes_per_second * 1e-9, device_ceilings->seconds_per_launch * 1e6);
    fmt::print("instruction sets, chosen at run time for this CPU: normals {}, gemm tiles {}\n",
               fill_normal_simd_target(), skinny_gemm_simd_target());
    fmt::print("ceilings, one core, measured now: normals {:.0f} M/s", ceilings.normals_per_second * 1e-6);
    for (std::size_t i = 0; i < ceilings.gemm_shapes.size(); ++i)
      fmt::print(", gemm {} {:.1f} GFLOP/s", ceilings.gemm_shapes[i], ceilings.gemm_gflops[i]);
    fmt::print(
        "\nbound: the update's GEMM flops and normal draws at those rates, spread over the "
        "threads (SGLD's chain and the layers above the first in SGD stay on one)\n\n{}",
        bench::format_table(results));
    if (!json_path->empty()) {
      nlohmann::json out = {
          {"valley_version", kVersion},
          {"batch", settings->batch_size},
          {"threads", settings->n_threads},
          {"split", *split},
          {"device", device_name},
          {"ceilings", bench::to_json(ceilings)},
          {"instruction_sets",
           {{"normals", fill_normal_simd_target()}, {"gemm_tiles", skinny_gemm_simd_target()}}},
          {"results", nlohmann::json::array()}};
      for (const auto& r : results) out["results"].push_back(bench::to_json(r));
      write_file_atomically(*json_path, out.dump(2) + "\n");
    }
  });
}

}  // namespace valley::cli
