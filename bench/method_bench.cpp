#include "method_bench.h"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "valley/backends/backend.h"
#include "valley/data/minibatch.h"
#include "valley/methods/method.h"
#include "valley/model/init.h"
#include "valley/objective/mlp_objective.h"
#include "valley/sampling/philox_normal.h"

namespace valley::bench {
namespace {

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

}  // namespace

BenchResult bench_method(const MethodConfig& config, const NetSpec& spec,
                         const BenchSettings& settings) {
  const Dataset data = synthetic_images(2000, spec.n_inputs(), config.seed);
  const auto backend = make_cpu_backend(settings.n_threads);
  MinibatchSampler sampler(data.n, settings.batch_size, config.seed);
  MlpObjective objective(spec, data, sampler, InnerBatch::same, *backend);
  const auto method = make_method(config, *backend);
  Vec x = glorot_uniform(spec, config.seed);

  uint64_t k = 0;
  for (int i = 0; i < settings.n_warmup; ++i, ++k) {
    objective.select_outer_batch(k);
    method->step(x, objective, k);
  }
  objective.reset_counts();
  std::vector<double> seconds;
  const auto bench_start = std::chrono::steady_clock::now();
  while (static_cast<int>(seconds.size()) < settings.max_updates) {
    const auto start = std::chrono::steady_clock::now();
    objective.select_outer_batch(k);
    method->step(x, objective, k);
    const auto end = std::chrono::steady_clock::now();
    seconds.push_back(std::chrono::duration<double>(end - start).count());
    ++k;
    if (static_cast<int>(seconds.size()) >= settings.min_updates &&
        std::chrono::duration<double>(end - bench_start).count() >= settings.min_seconds)
      break;
  }
  BenchResult result;
  result.method = config.name;
  result.net = spec.str();
  result.n_updates = static_cast<int>(seconds.size());
  const auto n = static_cast<double>(seconds.size());
  result.loss_evals = objective.counts().n_loss / n;
  result.gradient_evals = objective.counts().n_gradient / n;
  std::sort(seconds.begin(), seconds.end());
  const std::size_t mid = seconds.size() / 2;
  result.median_seconds =
      seconds.size() % 2 == 1 ? seconds[mid] : 0.5 * (seconds[mid - 1] + seconds[mid]);
  result.min_seconds = seconds.front();
  result.max_seconds = seconds.back();
  return result;
}

std::string format_table(const std::vector<BenchResult>& results) {
  std::string out = fmt::format("{:<8} {:<12} {:>8} {:>14} {:>12} {:>12} {:>10} {:>10}\n", "method",
                                "net", "updates", "median s/upd", "min", "max", "f evals",
                                "∇f evals");
  for (const BenchResult& r : results)
    out += fmt::format("{:<8} {:<12} {:>8} {:>14.4g} {:>12.4g} {:>12.4g} {:>10.4g} {:>10.4g}\n",
                       r.method, r.net, r.n_updates, r.median_seconds, r.min_seconds,
                       r.max_seconds, r.loss_evals, r.gradient_evals);
  return out;
}

nlohmann::json to_json(const BenchResult& r) {
  return {{"method", r.method},           {"net", r.net},
          {"updates", r.n_updates},       {"median_seconds", r.median_seconds},
          {"min_seconds", r.min_seconds}, {"max_seconds", r.max_seconds},
          {"loss_evals", r.loss_evals},   {"gradient_evals", r.gradient_evals}};
}

}  // namespace valley::bench
