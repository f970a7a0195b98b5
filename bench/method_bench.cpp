#include "method_bench.h"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "valley/backends/backend.h"
#include "valley/backends/device.h"
#include "valley/data/minibatch.h"
#include "valley/devices/device_registry.h"
#include "valley/methods/method.h"
#include "valley/model/blas.h"
#include "valley/model/init.h"
#include "valley/objective/batch_mlp_objective.h"
#include "valley/objective/mlp_objective.h"
#include "valley/objective/row_space.h"
#include "valley/random/philox_normal.h"

namespace valley::bench {
namespace {

using Clock = std::chrono::steady_clock;

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t mid = values.size() / 2;
  return values.size() % 2 == 1 ? values[mid] : 0.5 * (values[mid - 1] + values[mid]);
}

// Median seconds of `body` over repetitions filling about 0.3 s.
template <typename Body>
double time_median(Body body) {
  body();
  std::vector<double> seconds;
  const auto start = Clock::now();
  while (seconds.size() < 5 || std::chrono::duration<double>(Clock::now() - start).count() < 0.3) {
    const auto t0 = Clock::now();
    body();
    seconds.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
  }
  return median(seconds);
}

Dataset synthetic_images(int64_t n, int n_pixels, uint64_t seed) {
  Dataset data;
  data.n = n;
  data.rows = 1;
  data.cols = n_pixels;
  data.source = "synthetic";
  data.images.resize(static_cast<std::size_t>(n) * n_pixels);
  fill_uniform(NoiseKey{seed, Stream::test, 0, 0}, 0, data.images);
  for (int64_t i = 0; i < n; ++i) data.labels.push_back(static_cast<uint8_t>(i % 10));
  return data;
}

std::string shape_name(int batch_size, int n_in, int n_out) {
  return fmt::format("{}x{}x{}", batch_size, n_in, n_out);
}

}  // namespace

double Ceilings::gemm_gflops_of(const NetSpec& spec, int batch_size) const {
  const std::string name = shape_name(batch_size, spec.widths[0], spec.widths[1]);
  for (std::size_t i = 0; i < gemm_shapes.size(); ++i)
    if (gemm_shapes[i] == name) return gemm_gflops[i];
  return 0.0;
}

Ceilings measure_ceilings(const std::vector<NetSpec>& specs, int batch_size) {
  openblas_set_num_threads(1);
  Ceilings ceilings;
  std::vector<float> normals(159010);
  uint32_t k = 0;
  const double normal_seconds = time_median([&] {
    fill_normal(NoiseKey{1, Stream::test, k++, 0}, 0, normals);
  });
  ceilings.normals_per_second = static_cast<double>(normals.size()) / normal_seconds;
  for (const NetSpec& spec : specs) {
    const int n_in = spec.widths[0], n_out = spec.widths[1];
    const std::string name = shape_name(batch_size, n_in, n_out);
    if (std::find(ceilings.gemm_shapes.begin(), ceilings.gemm_shapes.end(), name) !=
        ceilings.gemm_shapes.end())
      continue;
    std::vector<float> a(static_cast<std::size_t>(batch_size) * n_in, 0.5f);
    std::vector<float> b(static_cast<std::size_t>(n_in) * n_out, 0.25f);
    std::vector<float> c(static_cast<std::size_t>(batch_size) * n_out);
    const double seconds = time_median([&] {
      gemm(false, false, batch_size, n_out, n_in, 1.0f, a.data(), n_in, b.data(), n_out, 0.0f, c.data(),
           n_out);
    });
    ceilings.gemm_shapes.push_back(name);
    ceilings.gemm_gflops.push_back(2.0 * batch_size * n_in * n_out / seconds * 1e-9);
  }
  return ceilings;
}

UpdateWork update_work(const MethodConfig& method, const NetSpec& full_spec, int batch_size) {
  // The projected sampler runs on the reduced network, whose input width is
  // r = B (the rank of a minibatch of distinct images), and draws the unseen
  // noise once per update: d normals for IS, 2d for SGLD.
  const bool projected = method.sampler == "projected" &&
                         (method.name == "sgld" || method.name == "is" || method.name == "heat");
  const NetSpec spec =
      projected ? reduced_spec(full_spec, std::min(batch_size, full_spec.n_inputs())) : full_spec;
  const double unseen_normals = !projected
                                    ? 0.0
                                    : static_cast<double>(full_spec.n_params()) * (method.name == "sgld" ? 2
                                                                                   : method.name == "is" ? 1
                                                                                                         : 0);
  const double b = batch_size;
  double forward = 0, backward_rest = 0;  // per evaluation
  for (int l = 1; l <= spec.n_layers(); ++l) {
    const double layer = 2.0 * b * spec.widths[l - 1] * spec.widths[l];
    forward += layer;
    if (l >= 2) backward_rest += 2.0 * layer;  // ∂f/∂W_l and ∂f/∂h_{l−1}
  }
  const double first_layer = 2.0 * b * spec.widths[0] * spec.widths[1];
  const double gradient = forward + backward_rest + first_layer;
  const double d = static_cast<double>(spec.n_params());
  UpdateWork work;
  // ∇f splits layer 1 over the threads when its product is large enough
  // (objective/batch_mlp_objective.h): only the layers above stay on one.
  const double sequential_gradient =
      BatchMlpObjective::splits_first_layer(spec, batch_size) ? gradient - 2.0 * first_layer : gradient;
  if (method.name == "sgd") {
    work.flops = gradient;
    work.sequential_flops = sequential_gradient;
  } else if (method.name == "sam") {
    work.flops = 2.0 * gradient;
    work.sequential_flops = 2.0 * sequential_gradient;
  } else if (method.name == "entropy-sgd") {
    const double l = static_cast<double>(method.entropy_sgd.n_langevin);
    work.flops = l * gradient;
    work.sequential_flops = l * sequential_gradient;
    work.normals = l * d;
  } else if (method.name == "sgld") {
    const double j = static_cast<double>(method.sgld_is_samples());
    work.flops = work.sequential_flops = j * gradient;
    work.normals = j * d;
  } else if (method.name == "is") {
    const double j = static_cast<double>(method.sgld_is_samples());
    work.flops = j * forward;
    work.normals = j * d;
  } else if (method.name == "heat") {
    const double j = static_cast<double>(method.heat_iterations());
    const double m = static_cast<double>(method.heat_draws());
    // Per draw a forward pass and the backward pass of layers ≥ 2; per
    // iteration one Xᵀ Σ_m ∂f/∂z_1 product for W_1.
    work.flops = j * (m * (forward + backward_rest) + first_layer);
    work.normals = j * m * d;
  }
  work.normals += unseen_normals;
  return work;
}

BenchResult bench_method(const MethodConfig& config, const NetSpec& spec, const BenchSettings& settings,
                         const Ceilings& ceilings) {
  const Dataset data = synthetic_images(2000, spec.n_inputs(), config.seed);
  const auto backend = make_cpu_backend(settings.n_threads);
  const std::unique_ptr<Device> device = make_device(settings.device);
  MinibatchSampler sampler(data.n, settings.batch_size, config.seed);
  // Entropy-SGD draws a minibatch per inner step, as in training.
  MlpObjective objective(spec, data, sampler,
                         config.name == "entropy-sgd" ? InnerBatch::fresh : InnerBatch::same, *backend);
  objective.set_split_policy(settings.split);
  const auto method = make_method(config, *backend, device.get());
  Vec x = glorot_uniform(spec, config.seed);

  uint64_t k = 0;
  for (int i = 0; i < settings.n_warmup; ++i, ++k) {
    objective.select_outer_batch(k);
    method->step(x, objective, k);
  }
  objective.reset_counts();
  const int64_t launches_before = device ? device->launches() : 0;
  std::vector<double> seconds;
  const auto bench_start = Clock::now();
  while (static_cast<int>(seconds.size()) < settings.max_updates) {
    const auto start = Clock::now();
    objective.select_outer_batch(k);
    method->step(x, objective, k);
    const auto end = Clock::now();
    seconds.push_back(std::chrono::duration<double>(end - start).count());
    ++k;
    if (static_cast<int>(seconds.size()) >= settings.min_updates &&
        std::chrono::duration<double>(end - bench_start).count() >= settings.min_seconds)
      break;
  }
  BenchResult result;
  result.method = config.name;
  result.sampler = config.sampler;
  result.net = spec.str();
  result.n_updates = static_cast<int>(seconds.size());
  const auto n = static_cast<double>(seconds.size());
  result.loss_evals = static_cast<double>(objective.counts().n_loss) / n;
  result.gradient_evals = static_cast<double>(objective.counts().n_gradient) / n;
  if (device) result.launches = static_cast<double>(device->launches() - launches_before) / n;
  result.median_seconds = median(seconds);
  result.min_seconds = *std::min_element(seconds.begin(), seconds.end());
  result.max_seconds = *std::max_element(seconds.begin(), seconds.end());
  result.work = update_work(config, spec, settings.batch_size);
  // Lower bound: all work spread evenly over the threads, but never less than
  // the work that must run on one thread.
  const double flop_rate = ceilings.gemm_gflops_of(spec, settings.batch_size) * 1e9;
  const double all_work = result.work.flops / flop_rate + result.work.normals / ceilings.normals_per_second;
  if (!device)
    result.bound_seconds = std::max(all_work / settings.n_threads, result.work.sequential_flops / flop_rate);
  if (device && ceilings.device) {
    const DeviceCeilings& c = *ceilings.device;
    result.bound_seconds =
        std::max(result.work.flops / c.flops_per_second + result.work.normals / c.normals_per_second,
                 result.launches * c.seconds_per_launch);
  }
  return result;
}

std::string format_table(const std::vector<BenchResult>& results) {
  // The median over SGD's median on the same net, timed in the same run.
  const auto sgd_median = [&](const std::string& net) {
    for (const BenchResult& r : results)
      if (r.method == "sgd" && r.net == net) return r.median_seconds;
    return 0.0;
  };
  bool on_device = false;
  for (const BenchResult& r : results) on_device = on_device || r.launches > 0;
  std::string out = fmt::format(
      "{:<11} {:<9} {:<11} {:>5} {:>11} {:>10} {:>10} {:>8} {:>8} {:>8} {:>9} {:>10} {:>6} {:>7}{}\n",
      "method", "sampler", "net", "upd", "median s", "min s", "max s", "f evals", "∇f evals", "GFLOP",
      "M normals", "bound s", "bound%", "× sgd", on_device ? fmt::format(" {:>9}", "launches") : "");
  for (const BenchResult& r : results) {
    const double sgd = sgd_median(r.net);
    out += fmt::format(
        "{:<11} {:<9} {:<11} {:>5} {:>11.4g} {:>10.4g} {:>10.4g} {:>8.4g} {:>8.4g} {:>8.3g} {:>9.4g} {:>10} "
        "{:>6} {:>7}{}\n",
        r.method, r.sampler, r.net, r.n_updates, r.median_seconds, r.min_seconds, r.max_seconds, r.loss_evals,
        r.gradient_evals, r.work.flops * 1e-9, r.work.normals * 1e-6,
        r.bound_seconds > 0 ? fmt::format("{:.4g}", r.bound_seconds) : "-",
        r.bound_seconds > 0 ? fmt::format("{:.0f}%", 100.0 * r.bound_seconds / r.median_seconds) : "-",
        sgd > 0 ? fmt::format("{:.3g}", r.median_seconds / sgd) : "-",
        on_device ? fmt::format(" {:>9.0f}", r.launches) : "");
  }
  return out;
}

nlohmann::json to_json(const BenchResult& r) {
  return {{"method", r.method},
          {"sampler", r.sampler},
          {"net", r.net},
          {"updates", r.n_updates},
          {"median_seconds", r.median_seconds},
          {"min_seconds", r.min_seconds},
          {"max_seconds", r.max_seconds},
          {"loss_evals", r.loss_evals},
          {"gradient_evals", r.gradient_evals},
          {"gflop", r.work.flops * 1e-9},
          {"normals", r.work.normals},
          {"bound_seconds", r.bound_seconds},
          {"launches", r.launches},
          {"fraction_of_bound", r.bound_seconds / r.median_seconds}};
}

nlohmann::json to_json(const Ceilings& c) {
  nlohmann::json gemm = nlohmann::json::object();
  for (std::size_t i = 0; i < c.gemm_shapes.size(); ++i) gemm[c.gemm_shapes[i]] = c.gemm_gflops[i];
  nlohmann::json out = {{"normals_per_second_one_core", c.normals_per_second},
                        {"gemm_gflops_one_core", gemm}};
  if (c.device)
    out["device"] = {{"flops_per_second", c.device->flops_per_second},
                     {"normals_per_second", c.device->normals_per_second},
                     {"bytes_per_second", c.device->bytes_per_second},
                     {"seconds_per_launch", c.device->seconds_per_launch}};
  return out;
}

}  // namespace valley::bench
