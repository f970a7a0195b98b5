#include "valley/distributed/communicator.h"
#include "valley/train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "valley/backends/backend.h"
#include "valley/backends/device.h"
#include "valley/devices/device_registry.h"
#include "valley/core/error.h"
#include "valley/core/stop_signal.h"
#include "valley/core/version.h"
#include "valley/data/minibatch.h"
#include "valley/methods/method.h"
#include "valley/methods/method_names.h"
#include "valley/methods/method_table.h"
#include "valley/model/init.h"
#include "valley/model/model_file.h"
#include "valley/model/net_fit.h"
#include "valley/objective/mlp_objective.h"
#include "valley/random/philox_normal.h"
#include "valley/train/diagnostics.h"
#include "valley/train/evaluate.h"
#include "valley/train/numerical_fault.h"
#include "valley/train/progress.h"
#include "valley/train/run_data.h"

namespace valley {
namespace {

double nan() { return std::numeric_limits<double>::quiet_NaN(); }

// Settings a resumed run may change: they do not change a single number.
const std::set<std::string> kResumeMayChange = {"threads", "checkpoint_every", "data", "test_data", "out"};

// The metadata of model.safetensors: what a reader needs to know where the
// parameters came from, as strings (the format allows nothing else).
std::map<std::string, std::string> model_metadata(const nlohmann::json& config, int64_t n_done) {
  const auto text = [](const nlohmann::json& v) {
    return v.is_string() ? v.get<std::string>()
                         : v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  };
  std::map<std::string, std::string> meta = {
      {"format", "pt"},  // what Hugging Face loaders expect of a PyTorch state dict
      {"producer", "valley"},
      {"method", text(config["method"])},
      {"sampler", text(config["sampler"])},
      {"seed", text(config["seed"])},
      {"updates", std::to_string(n_done)},
      {"valley_version", text(config["valley_version"])},
      {"config", text(config)}};
  for (const auto& [role, file] : config["data_identity"].items())
    if (file.is_object() && file.contains("crc32")) meta["crc32." + role] = text(file["crc32"]);
  if (config.contains("init_from") && !text(config["init_from"]).empty())
    meta["init_from"] = text(config["init_from"]);
  return meta;
}

}  // namespace

void check_resumed_settings(const nlohmann::json& now, const nlohmann::json& stored,
                            const std::string& name) {
  const nlohmann::json defaults = to_json(TrainConfig{});
  for (const auto& [key, value] : now.items()) {
    if (kResumeMayChange.count(key) > 0) continue;
    // A setting added after the checkpoint was written: it had its default
    // (--init-from: none, Glorot-uniform parameters; --sgld-noise: variance).
    if (!stored.contains(key) && defaults.contains(key) && defaults[key] == value) continue;
    if (!stored.contains(key)) fail("{}: the checkpoint does not record the setting \"{}\"", name, key);
    if (stored[key] != value) {
      std::string flag = "--" + key;
      std::replace(flag.begin(), flag.end(), '_', '-');
      fail(
          "{}: {} {} differs from the checkpoint's {}; a resumed run keeps the settings it "
          "started with",
          name, flag, value.dump(), stored[key].dump());
    }
  }
}

namespace {

// The resumed run's settings must be the checkpoint's, and its data the same
// files (by size and CRC-32, wherever they now are).
void check_resumable(const nlohmann::json& now, const DataSplit& data, const nlohmann::json& stored,
                     const std::string& name) {
  check_resumed_settings(now, stored, name);
  check_same_data(stored.contains("data_identity") ? stored["data_identity"] : nlohmann::json::object(),
                  data.identity, name);
}

}  // namespace

DataSplit load_training_data(const TrainConfig& config) {
  if (config.data_dir) return load_data_dir(*config.data_dir, config.test_data_dir);
  const std::filesystem::path dir = default_data_dir();
  if (!std::filesystem::exists(dir))
    fail(
        "{}: default data set not found; run scripts/setup-data.sh (or `make data`) to fetch "
        "it, or pass --data DIR",
        dir.string());
  return load_data_dir(dir, config.test_data_dir);
}

TrainConfig resolve_sampler(TrainConfig config) {
  if (config.inner_batch == "auto")
    config.inner_batch = config.method.name == method_name::kEntropySgd ? "fresh" : "same";
  if (config.method.sampler != "auto") return config;
  const std::string& name = config.method.name;
  const MethodField& sampler = *find_field<MethodConfig>(method_fields(), "sampler");
  if (!applies_to(sampler, name) ||  // a method that draws no samples
      (name == method_name::kSgld &&
       config.method.sgld.chains > 1)) {  // (the projected sampler runs one chain)
    config.method.sampler = "full";
  } else if (config.method.covariance.kind == "diag") {
    config.method.sampler = "full";  // the projected sampler needs isotropic noise
  } else if (config.inner_batch == "fresh") {
    config.method.sampler = "full";
    fmt::print(stderr,
               "valley: note: --inner-batch fresh: using --sampler full (the projected sampler is "
               "exact only when one minibatch serves a whole update)\n");
  } else {
    config.method.sampler = "projected";
  }
  return config;
}

namespace {

TrainConfig checked(const TrainConfig& config, const DataSplit& data) {
  validate(config);
  validate_against_data(config, data.train.n, data.train.source);
  check_net_fits_data(NetSpec::parse(config.net, "--net"), data,
                      config.init_from ? "--init-from " + config.init_from->string() : "--net");
  return resolve_sampler(config);
}

}  // namespace

struct TrainingRun::State {
  State(const TrainConfig& requested, const DataSplit& split, int64_t n_start)
      : config(checked(requested, split)),
        data(split),
        spec(NetSpec::parse(config.net, "--net")),
        backend(make_cpu_backend(static_cast<int>(config.n_threads))),
        sampler(data.train.n, static_cast<int>(config.batch_size), config.method.seed),
        objective(spec, data.train, sampler,
                  config.inner_batch == "fresh" ? InnerBatch::fresh : InnerBatch::same, *backend),
        device(make_device(config.device)),
        method(make_method(method_for_data(config, data.train.n), *backend, device.get())),
        held_out(spec, data.test,
                 sample_without_replacement(data.test.n, config.eval_size, config.method.seed,
                                            static_cast<uint32_t>(Stream::eval_subset))),
        train_subset(spec, data.train,
                     sample_without_replacement(data.train.n, kTrainLossImages, config.method.seed,
                                                static_cast<uint32_t>(Stream::train_subset))),
        progress(config.n_updates, config.progress, n_start) {
    config_json = to_json(config);
    config_json["net_params"] = spec.n_params();
    config_json["method_settings"] = method->settings();
    config_json["data_identity"] = data.identity;
    config_json["train_images"] = data.train.n;
    config_json["held_out_images"] = std::min<int64_t>(config.eval_size, data.test.n);
    config_json["backend"] = device ? device->name() : backend->name();
    config_json["valley_version"] = kVersion;
  }

  bool checkpointing() const { return config.checkpoint_every > 0; }

  // Evaluates x and appends a metrics row; a non-finite loss stops the run.
  void record_row(double seconds, double tau, double loss_evals, double gradient_evals, double ess) {
    const Evaluation test = held_out.evaluate(x);
    const Evaluation train = train_subset.evaluate(x);
    for (const auto& [what, loss] : {std::pair{"training", train.loss}, std::pair{"held-out", test.loss}})
      if (!std::isfinite(loss))
        stop("diverged",
             fmt::format("update {}: method {}: non-finite loss: the {} loss at the new "
                         "parameters is {} (largest |x_i| = {:g}); try {}",
                         n_done, method->name(), what, loss, x.cwiseAbs().maxCoeff(),
                         step_size_hint(config.method.name, n_done - 1, config.method.sgd_first)));
    rows.push_back(
        {n_done, seconds, train.loss, test.accuracy, test.loss, tau, loss_evals, gradient_evals, ess});
    run_dir->write_metrics(rows);
    if (const Vec* s = method->variances(); s != nullptr && s->size() == x.size())
      for (int l = 1; l <= spec.n_layers(); ++l) {
        const int64_t begin = spec.weights_offset(l);
        const int64_t end = spec.bias_offset(l) + spec.widths[static_cast<std::size_t>(l)];
        std::vector<float> layer(s->data() + begin, s->data() + end);
        std::sort(layer.begin(), layer.end());
        covariance_log.add(
            n_done, fmt::format("{},{},{},{}", l, layer.front(), layer[layer.size() / 2], layer.back()));
      }
    write_diagnostics();
  }

  // Rank 0 alone writes the run's files (the others have no run directory).
  void write_diagnostics() const {
    if (!distributed::world().is_root()) return;
    for (const DiagnosticsLog* log : diagnostic_logs()) log->write(run_dir->path());
  }
  // The method's diagnostics files (entropy_sgd.csv, covariance.csv), if any.
  std::vector<DiagnosticsLog*> diagnostic_logs() { return diagnostic_logs_of(*this); }
  std::vector<const DiagnosticsLog*> diagnostic_logs() const { return diagnostic_logs_of(*this); }
  template <typename Self>
  static auto diagnostic_logs_of(Self& self) -> std::vector<decltype(&self.entropy_sgd_log)> {
    std::vector<decltype(&self.entropy_sgd_log)> logs;
    if (self.config.method.name == method_name::kEntropySgd) logs.push_back(&self.entropy_sgd_log);
    if (self.config.method.covariance.kind == "diag") logs.push_back(&self.covariance_log);
    return logs;
  }

  // The checkpoint, then model.safetensors beside it (a kill between the two
  // leaves the previous model file, whole).
  void save_checkpoint() {
    write_diagnostics();  // first, so that it always covers the checkpoint
    write_checkpoint(run_dir->path() / kCheckpointFile, snapshot());
    last_checkpoint = n_done;
    save_model();
  }

  // model.safetensors of x_{n_done}. Only finite parameters get here: a
  // diverged run stops before, and keeps the last good file.
  void save_model() {
    if (distributed::world().is_root())
      write_model_file(run_dir->path() / kModelFile, spec, x, model_metadata(config_json, n_done));
    last_model = n_done;
  }

  Checkpoint snapshot() const {
    return {config_json, n_done, x, method->state(), rows, since_last_row, total_seconds};
  }

  // Ends the run: summary.json records why, and the error names it.
  [[noreturn]] void stop(const std::string& status, const std::string& message) {
    fail("{}", record_stop(status, message));
  }

  // Writes summary.json for a run that ends before its last update; returns
  // the message completed with what was kept.
  std::string record_stop(const std::string& status, std::string message) {
    if (last_checkpoint >= 0)
      message += fmt::format(" (the checkpoint of update {} is kept)", last_checkpoint);
    nlohmann::json summary = {{"status", status}, {"error", message}, {"updates_done", n_done}};
    if (last_checkpoint >= 0) summary["last_checkpoint"] = last_checkpoint;
    if (last_model >= 0) summary["model_update"] = last_model;
    try {
      run_dir->write_summary(summary);
    } catch (const Error& e) {
      message += fmt::format("; summary.json could not be written either: {}", e.what());
    }
    return message;
  }

  // The line a stop signal ends the command with: record_stop's `message`,
  // and how to continue.
  std::string interrupted(const std::string& message) const {
    std::string line = fmt::format("--out {}: {}", config.out_dir.string(), message);
    if (last_checkpoint >= 0)
      line += fmt::format("; `valley train --resume {}` continues from there", config.out_dir.string());
    return line;
  }

  TrainConfig config;
  const DataSplit& data;
  NetSpec spec;
  std::unique_ptr<Backend> backend;
  MinibatchSampler sampler;
  MlpObjective objective;
  std::unique_ptr<Device> device;  // none: the CPU backend runs the updates
  std::unique_ptr<Method> method;
  Evaluator held_out;
  Evaluator train_subset;
  Progress progress;
  nlohmann::json config_json;
  std::optional<RunDirectory> run_dir;

  Vec x;
  Vec x_start;  // x_k, kept to name what went non-finite in update k
  int64_t n_done = 0;
  int64_t last_checkpoint = -1;  // n_done of the last checkpoint written, −1: none
  int64_t last_model = -1;       // n_done of the model.safetensors written, −1: none
  std::vector<MetricsRow> rows;
  DiagnosticsLog entropy_sgd_log{"entropy_sgd.csv", "update,gamma,drift"};
  DiagnosticsLog covariance_log{"covariance.csv", "update,layer,min,median,max"};
  SinceLastRow since_last_row;
  double total_seconds = 0.0;
};

TrainingRun::TrainingRun(const TrainConfig& config, const DataSplit& data)
    : s_(std::make_unique<State>(config, data, 0)) {
  std::optional<ModelFile> init;
  if (s_->config.init_from) {
    std::filesystem::path file = *s_->config.init_from;
    init = load_model(file);  // a model file, or a run directory's
    std::error_code ec;
    if (std::filesystem::is_directory(file, ec)) file /= kModelFile;
    expect_model_net(*init, s_->spec, "--init-from " + file.string(), "--net");
    s_->config_json["init_from_identity"] = file_identity(file);
  }
  // Everything is checked; only now touch the output directory.
  s_->run_dir.emplace(s_->config.out_dir, s_->config.overwrite);
  s_->run_dir->write_config(s_->config_json);
  s_->x = init ? std::move(init->x) : glorot_uniform(s_->spec, s_->config.method.seed);
  s_->record_row(0.0, nan(), 0.0, 0.0, nan());
  if (s_->checkpointing()) s_->save_checkpoint();
}

TrainingRun::TrainingRun(const TrainConfig& config, const DataSplit& data, const Checkpoint& checkpoint,
                         const std::string& checkpoint_name)
    : s_(std::make_unique<State>(config, data, checkpoint.n_done)) {
  State& s = *s_;
  check_resumable(to_json(s.config), data, checkpoint.config, checkpoint_name);
  if (checkpoint.x.size() != s.spec.n_params())
    fail("{}: holds {} parameters, but --net {} has {}", checkpoint_name, checkpoint.x.size(), s.config.net,
         s.spec.n_params());
  if (checkpoint.n_done > s.config.n_updates)
    fail("{}: holds update {} of a run of {} updates", checkpoint_name, checkpoint.n_done,
         s.config.n_updates);
  if (checkpoint.rows.empty() || checkpoint.rows.back().update > checkpoint.n_done)
    fail("{}: its metrics rows do not match its update counter {}", checkpoint_name, checkpoint.n_done);
  s.method->restore_state(checkpoint.method_state);
  s.x = checkpoint.x;
  s.n_done = checkpoint.n_done;
  s.rows = checkpoint.rows;
  s.since_last_row = checkpoint.since_last_row;
  s.total_seconds = checkpoint.total_seconds;
  s.last_checkpoint = checkpoint.n_done;
  if (checkpoint.config.contains("init_from_identity"))
    s.config_json["init_from_identity"] = checkpoint.config["init_from_identity"];
  // The directory goes back to the checkpoint's state: rows written after it
  // are dropped and will be computed again, identically. model.safetensors
  // is left as it is (whole, and its "updates" says which x it holds) until
  // the next checkpoint or the end replaces it.
  s.run_dir.emplace(RunDirectory::resume(s.config.out_dir));
  if (distributed::world().is_root())
    for (DiagnosticsLog* log : s.diagnostic_logs()) log->resume(s.config.out_dir, checkpoint.n_done);
  s.run_dir->write_config(s.config_json);
  s.run_dir->write_metrics(s.rows);
}

TrainingRun::~TrainingRun() = default;

int64_t TrainingRun::n_done() const { return s_->n_done; }

bool TrainingRun::finished() const { return s_->n_done >= s_->config.n_updates; }

void TrainingRun::run_update() {
  State& s = *s_;
  const int64_t k = s.n_done;
  const auto start = std::chrono::steady_clock::now();
  s.x_start = s.x;
  s.objective.select_outer_batch(static_cast<uint64_t>(k));
  UpdateStats stats;
  try {
    stats = s.method->step(s.x, s.objective, static_cast<uint64_t>(k));
  } catch (const Interrupted& e) {
    // A stop signal that waited a second for a long update (sampling/
    // stop_point.h): the update is dropped half-done, and the files of the
    // last whole one are what the run keeps.
    throw Interrupted(e.signal(), s.interrupted(s.record_stop(
                                      "interrupted", fmt::format("interrupted by {} during update {}, "
                                                                 "which is dropped",
                                                                 signal_name(e.signal()), k + 1))));
  } catch (const Error& e) {
    s.stop("failed", fmt::format("update {}: method {}: {}", k + 1, s.method->name(), e.what()));
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  SinceLastRow& since = s.since_last_row;
  since.seconds += seconds;
  s.total_seconds += seconds;
  ++since.n_updates;
  const EvalCounts counts = s.objective.counts();
  s.objective.reset_counts();
  since.n_loss += counts.n_loss;
  since.n_gradient += counts.n_gradient;
  if (std::isfinite(stats.ess)) {
    since.ess_sum += stats.ess;
    ++since.n_ess;
  }
  if (!s.x.allFinite()) {
    s.objective.select_outer_batch(static_cast<uint64_t>(k));
    const std::string what = describe_non_finite_update(
        s.objective, s.x_start, s.x, step_size_hint(s.config.method.name, k, s.config.method.sgd_first));
    s.stop("diverged", fmt::format("update {}: method {}: {}", k + 1, s.method->name(), what));
  }
  s.n_done = k + 1;
  if (s.config.method.name == method_name::kEntropySgd)
    s.entropy_sgd_log.add(s.n_done, fmt::format("{},{}", stats.gamma, stats.drift));
  if (s.n_done % s.config.eval_every == 0 || s.n_done == s.config.n_updates) {
    const auto n = static_cast<double>(since.n_updates);
    s.record_row(since.seconds / n, stats.tau, static_cast<double>(since.n_loss) / n,
                 static_cast<double>(since.n_gradient) / n,
                 since.n_ess > 0 ? since.ess_sum / static_cast<double>(since.n_ess) : nan());
    since = {};
  }
  if (s.checkpointing() && (s.n_done % s.config.checkpoint_every == 0 || s.n_done == s.config.n_updates))
    s.save_checkpoint();
  s.progress.update(s.n_done, fmt::format("acc {:.3f}  {:.3g} s/update", s.rows.back().test_accuracy,
                                          s.total_seconds / static_cast<double>(s.n_done)));
}

Checkpoint TrainingRun::checkpoint() const { return s_->snapshot(); }

TrainOutcome TrainingRun::finish() {
  State& s = *s_;
  s.progress.finish();
  const MetricsRow& last = s.rows.back();
  const auto n_updates = static_cast<double>(s.config.n_updates);
  TrainOutcome outcome;
  outcome.summary = {{"status", "completed"},
                     {"updates", s.config.n_updates},
                     {"final_test_accuracy", last.test_accuracy},
                     {"final_test_loss", last.test_loss},
                     {"final_train_loss", last.train_loss},
                     {"seconds_per_update", n_updates > 0 ? s.total_seconds / n_updates : 0.0},
                     {"total_update_seconds", s.total_seconds}};
  if (s.last_model != s.n_done) s.save_model();
  if (const distributed::Communicator& comm = distributed::world(); comm.size() > 1) {
    // Seconds in MPI calls (on rank 0), waiting for the other ranks included.
    outcome.summary["ranks"] = comm.size();
    outcome.summary["communication_seconds_per_update"] = n_updates > 0 ? comm.seconds() / n_updates : 0.0;
  }
  s.run_dir->write_summary(outcome.summary);
  outcome.rows = s.rows;
  outcome.x = s.x;
  return outcome;
}

std::string TrainingRun::record_interruption(const std::string& why) {
  State& s = *s_;
  std::string message = fmt::format("{} after update {} of {}", why, s.n_done, s.config.n_updates);
  // What the end of a run saves, so that --resume continues from here.
  try {
    if (s.checkpointing()) {
      if (s.last_checkpoint != s.n_done) s.save_checkpoint();
    } else if (s.last_model != s.n_done) {
      s.save_model();
    }
  } catch (const Error& e) {
    message += fmt::format("; its state could not be saved: {}", e.what());
  }
  return s.record_stop("interrupted", message);
}

void TrainingRun::stop_if_signalled() {
  int signal = stop_signal();
  if (distributed::Communicator& comm = distributed::world(); comm.size() > 1) {
    // Every rank of the job stops after the same update, or none does.
    const std::string first = comm.first_failure(signal != 0 ? std::to_string(signal) : "");
    signal = first.empty() ? 0 : std::stoi(first);
  }
  if (signal == 0) return;
  throw Interrupted(signal, s_->interrupted(record_interruption("interrupted by " + signal_name(signal))));
}

TrainOutcome run_training(const TrainConfig& config, const DataSplit& data) {
  TrainingRun run(config, data);
  while (!run.finished()) {
    run.stop_if_signalled();
    run.run_update();
  }
  return run.finish();
}

}  // namespace valley
