#include "valley/train/trainer.h"

#include <chrono>
#include <cmath>

#include <fmt/format.h>

#include "valley/backends/backend.h"
#include "valley/core/error.h"
#include "valley/core/version.h"
#include "valley/data/minibatch.h"
#include "valley/methods/method.h"
#include "valley/model/init.h"
#include "valley/objective/mlp_objective.h"
#include "valley/sampling/philox_normal.h"
#include "valley/train/evaluate.h"
#include "valley/train/progress.h"

namespace valley {
namespace {

constexpr int64_t kTrainLossImages = 1000;

double nan() { return std::numeric_limits<double>::quiet_NaN(); }

}  // namespace

DataSplit load_training_data(const TrainConfig& config) {
  if (config.data_dir) return load_data_dir(*config.data_dir, config.test_data_dir);
  const std::filesystem::path dir = default_data_dir();
  if (!std::filesystem::exists(dir))
    fail("{}: default data set not found; run scripts/setup-data.sh (or `make data`) to fetch "
         "it, or pass --data DIR",
         dir.string());
  return load_data_dir(dir, config.test_data_dir);
}

TrainOutcome run_training(const TrainConfig& config, const DataSplit& data) {
  validate(config);
  const NetSpec spec = NetSpec::parse(config.net, "--net");
  const uint64_t seed = config.method.seed;
  const auto backend = make_cpu_backend(static_cast<int>(config.n_threads));
  MinibatchSampler sampler(data.train.n, static_cast<int>(config.batch_size), seed);
  MlpObjective objective(spec, data.train, sampler,
                         config.inner_batch == "fresh" ? InnerBatch::fresh : InnerBatch::same,
                         *backend);
  const auto method = make_method(config.method, *backend);
  Evaluator held_out(spec, data.test,
                     sample_without_replacement(data.test.n, config.eval_size, seed,
                                                static_cast<uint32_t>(Stream::eval_subset)));
  Evaluator train_subset(spec, data.train,
                         sample_without_replacement(data.train.n, kTrainLossImages, seed,
                                                    static_cast<uint32_t>(Stream::train_subset)));

  // Everything is checked; only now touch the output directory.
  const RunDirectory run_dir(config.out_dir, config.overwrite);
  nlohmann::json config_json = to_json(config);
  config_json["net_params"] = spec.n_params();
  config_json["method_settings"] = method->settings();
  config_json["data_identity"] = data.identity;
  config_json["train_images"] = data.train.n;
  config_json["held_out_images"] = std::min<int64_t>(config.eval_size, data.test.n);
  config_json["backend"] = backend->name();
  config_json["valley_version"] = kVersion;
  run_dir.write_config(config_json);

  TrainOutcome outcome;
  Vec x = glorot_uniform(spec, seed);
  auto record = [&](int64_t update, double seconds, double tau, double loss_evals,
                    double gradient_evals, double ess) {
    const Evaluation test = held_out.evaluate(x);
    const Evaluation train = train_subset.evaluate(x);
    outcome.rows.push_back({update, seconds, train.loss, test.accuracy, test.loss, tau, loss_evals,
                            gradient_evals, ess});
    run_dir.write_metrics(outcome.rows);
  };
  record(0, 0.0, nan(), 0.0, 0.0, nan());

  Progress progress(config.n_updates, config.progress);
  double seconds_since_row = 0.0, total_seconds = 0.0, ess_sum = 0.0;
  int64_t updates_since_row = 0, ess_count = 0;
  UpdateStats stats;
  for (int64_t k = 0; k < config.n_updates; ++k) {
    const auto start = std::chrono::steady_clock::now();
    objective.select_outer_batch(static_cast<uint64_t>(k));
    try {
      stats = method->step(x, objective, static_cast<uint64_t>(k));
    } catch (const Error& e) {
      const std::string message = fmt::format("update {}: method {}: {}", k + 1, method->name(), e.what());
      run_dir.write_summary({{"status", "failed"}, {"error", message}, {"updates_done", k}});
      fail("{}", message);
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    seconds_since_row += seconds;
    total_seconds += seconds;
    ++updates_since_row;
    if (std::isfinite(stats.ess)) {
      ess_sum += stats.ess;
      ++ess_count;
    }
    if (!x.allFinite()) {
      const std::string message = fmt::format(
          "update {}: method {} produced non-finite parameters (NaN or infinity); the run "
          "diverged — try a smaller step size",
          k + 1, method->name());
      run_dir.write_summary({{"status", "diverged"}, {"error", message}, {"updates_done", k}});
      fail("{}", message);
    }
    const int64_t done = k + 1;
    if (done % config.eval_every == 0 || done == config.n_updates) {
      const EvalCounts counts = objective.counts();
      const auto n = static_cast<double>(updates_since_row);
      record(done, seconds_since_row / n, stats.tau, counts.n_loss / n, counts.n_gradient / n,
             ess_count > 0 ? ess_sum / ess_count : nan());
      objective.reset_counts();
      seconds_since_row = 0.0;
      updates_since_row = 0;
      ess_sum = 0.0;
      ess_count = 0;
    }
    progress.update(done, fmt::format("acc {:.3f}  {:.3g} s/update", outcome.rows.back().test_accuracy,
                                      total_seconds / static_cast<double>(done)));
  }
  progress.finish();

  const MetricsRow& last = outcome.rows.back();
  outcome.summary = {{"status", "completed"},
                     {"updates", config.n_updates},
                     {"final_test_accuracy", last.test_accuracy},
                     {"final_test_loss", last.test_loss},
                     {"final_train_loss", last.train_loss},
                     {"seconds_per_update",
                      config.n_updates > 0 ? total_seconds / static_cast<double>(config.n_updates) : 0.0},
                     {"total_update_seconds", total_seconds}};
  run_dir.write_summary(outcome.summary);
  outcome.x = std::move(x);
  return outcome;
}

}  // namespace valley
