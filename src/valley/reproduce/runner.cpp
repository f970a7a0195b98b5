#include "valley/reproduce/runner.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "valley/backends/device.h"
#include "valley/core/atomic_file.h"
#include "valley/core/error.h"
#include "valley/devices/device_registry.h"
#include "valley/distributed/communicator.h"
#include "valley/reproduce/run_results.h"
#include "valley/train/trainer.h"

namespace valley {
namespace {

// What decides a training's numbers: every setting (with --sampler auto
// resolved) but the thread count, checkpointing and paths, and the data
// files' sizes and checksums (not where they are). Saved as reproduce.json
// beside the run's results once it has ended; a run is kept only while this
// stays the same.
nlohmann::json run_record(const TrainConfig& config, const DataSplit& data) {
  nlohmann::json settings = to_json(resolve_sampler(config));
  for (const char* key : {"threads", "checkpoint_every", "data", "test_data", "out"}) settings.erase(key);
  // An experiment's runs start from Glorot-uniform parameters (no --init-from).
  if (settings.value("init_from", "").empty()) settings.erase("init_from");
  // Records written before "sgld_noise" existed lack it; the default is left
  // out so that their runs (all but --sgld-noise stddev ones) are kept.
  if (settings.value("sgld_noise", "") == "variance") settings.erase("sgld_noise");
  nlohmann::json identity = data.identity;
  for (auto& [role, file] : identity.items())
    if (file.is_object()) file.erase("path");
  return {{"settings", settings}, {"data_identity", identity}};
}

constexpr const char* kRecordFile = "reproduce.json";

// The JSON in `file`, or null when it is missing or unreadable.
nlohmann::json read_json_or_null(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) return nullptr;  // a FIFO would block
  std::ifstream in(file, std::ios::binary);
  if (!in) return nullptr;
  std::stringstream text;
  text << in.rdbuf();
  return nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
}

bool is_final(const std::string& status) { return status == "completed" || status == "diverged"; }

std::string status_of(const std::filesystem::path& dir) {
  const nlohmann::json summary = read_json_or_null(dir / "summary.json");
  return summary.is_object() ? summary.value("status", "") : "";
}

// Removes what an unfinished or outdated training left, so the trainer starts afresh.
void remove_run_files(const std::filesystem::path& dir) {
  for (const char* name : {"config.json", "metrics.csv", "summary.json", kRecordFile})
    std::filesystem::remove(dir / name);
}

}  // namespace

void validate(const ReproduceOptions& options) {
  if (options.n_seeds < 1 || options.n_seeds > 1000)
    fail("--seeds must be between 1 and 1000 (got {})", options.n_seeds);
  if (options.n_threads < 1 || options.n_threads > 256)
    fail("--threads must be between 1 and 256 (got {})", options.n_threads);
  if (options.n_jobs < 1 || options.n_jobs > 64)
    fail("--jobs must be between 1 and 64 (got {})", options.n_jobs);
  check_device_name(options.device);
}

TrainConfig training_config(const ExperimentRun& run, uint64_t seed, const ReproduceOptions& options) {
  TrainConfig config = run.config;
  config.method.seed = seed;
  config.n_threads = options.n_threads;
  config.device = options.device;
  config.data_dir = options.data_dir;
  config.test_data_dir = options.test_data_dir;
  config.out_dir = seed_run_dir(options.out_dir, run.name, seed);
  config.overwrite = false;
  config.progress = options.progress;
  return config;
}

RunState run_state(const TrainConfig& config, const DataSplit& data) {
  const std::filesystem::path& dir = config.out_dir;
  if (!std::filesystem::exists(dir / "config.json") && !std::filesystem::exists(dir / "metrics.csv") &&
      !std::filesystem::exists(dir / "summary.json"))
    return RunState::absent;
  const nlohmann::json record = read_json_or_null(dir / kRecordFile);
  if (!is_final(status_of(dir)) || !record.is_object()) return RunState::unfinished;
  return record == run_record(config, data) ? RunState::finished : RunState::changed;
}

void validate_against_data(const Experiment& experiment, const DataSplit& data) {
  for (const ExperimentRun& run : experiment.runs) {
    try {
      validate_against_data(run.config, data.train.n, data.train.source);
    } catch (const Error& e) {
      fail("{}: run '{}': {}", experiment.file.string(), run.name, e.what());
    }
  }
}

std::vector<TrainingRecord> run_experiment(const Experiment& experiment, const ReproduceOptions& options,
                                           const DataSplit& data,
                                           const std::function<void(const std::string&)>& log) {
  validate(options);
  if (options.out_dir.empty()) fail("--out DIR is required: where the runs and the report go");
  validate_against_data(experiment, data);
  const int64_t total = static_cast<int64_t>(experiment.runs.size()) * options.n_seeds;
  const int width = static_cast<int>(fmt::format("{}", total).size());
  int64_t count = 0;
  std::vector<TrainingRecord> records;
  // Over the R ranks of a distributed run, the trainings are independent:
  // rank r takes trainings r, r + R, … of this fixed list, each on its own
  // (one process's numbers, written into its own directory), and all ranks
  // wait for each other at the end.
  distributed::Communicator& comm = distributed::world();
  distributed::SerialCommunicator alone;
  std::vector<bool> mine;
  // This rank's trainings to run now: their index in `records`, settings and log prefix.
  struct Pending {
    std::size_t index;
    TrainConfig config;
    std::string prefix;
  };
  std::vector<Pending> pending;
  for (const ExperimentRun& run : experiment.runs) {
    for (int64_t s = 1; s <= options.n_seeds; ++s) {
      TrainConfig config = training_config(run, static_cast<uint64_t>(s), options);
      mine.push_back(count % comm.size() == comm.rank());
      if (!mine.back()) {
        ++count;
        records.push_back({run.name, static_cast<uint64_t>(s), RunState::absent, ""});
        continue;
      }
      TrainingRecord record{run.name, static_cast<uint64_t>(s), run_state(config, data), ""};
      std::string prefix = fmt::format("[{:>{}}/{}] {} seed {}", ++count, width, total, run.name, s);
      if (record.before == RunState::finished) {
        record.status = status_of(config.out_dir);
        log(fmt::format("{}: {} before, kept", prefix, record.status));
        records.push_back(record);
        continue;
      }
      // Several trainings at once would interleave their progress lines.
      if (options.n_jobs > 1) config.progress = false;
      pending.push_back({records.size(), std::move(config), std::move(prefix)});
      records.push_back(record);
    }
  }
  // Each pending training on one of n_jobs threads, in list order; the log
  // lines one at a time. A training that diverged or failed is a result,
  // recorded in its summary.json; any other error (a disk error) lets the
  // trainings under way finish, starts no more, and ends the experiment.
  std::mutex log_mutex;
  const auto say = [&](const std::string& line) {
    const std::lock_guard lock(log_mutex);
    log(line);
  };
  std::atomic<std::size_t> next = 0;
  std::atomic<bool> stop = false;
  std::exception_ptr error;
  const auto train = [&] {
    for (std::size_t p = next++; p < pending.size() && !stop; p = next++) {
      const Pending& job = pending[p];
      TrainingRecord& record = records[job.index];
      const TrainConfig& config = job.config;
      try {
        if (record.before == RunState::changed) {
          say(fmt::format("{}: settings or data changed since it ran; training again", job.prefix));
        } else if (record.before == RunState::unfinished) {
          say(fmt::format("{}: did not finish before; training again", job.prefix));
        } else {
          say(fmt::format("{}: training {} updates of {} on {}", job.prefix, config.n_updates,
                          config.method.name, config.net));
        }
        remove_run_files(config.out_dir);
        try {
          const TrainOutcome outcome = run_training(config, data);
          record.status = "completed";
          say(fmt::format("{}: held-out accuracy {:.4f} after {} updates, {:.4g} s/update", job.prefix,
                          outcome.rows.back().test_accuracy, config.n_updates,
                          outcome.summary.value("seconds_per_update", 0.0)));
        } catch (const Error& e) {
          record.status = status_of(config.out_dir);
          if (record.status != "diverged" && record.status != "failed") throw;
          say(fmt::format("{}: {}: {}", job.prefix, record.status, e.what()));
        }
        write_file_atomically(config.out_dir / kRecordFile, run_record(config, data).dump(2) + "\n");
      } catch (...) {
        const std::lock_guard lock(log_mutex);
        if (!error) error = std::current_exception();
        stop = true;
      }
    }
  };
  const auto n_threads =
      static_cast<std::size_t>(std::min<int64_t>(options.n_jobs, static_cast<int64_t>(pending.size())));
  {
    const distributed::ScopedWorld one_rank(alone);  // each training is one process's
    if (n_threads <= 1) {
      train();
    } else {
      std::vector<std::thread> threads;
      for (std::size_t t = 0; t < n_threads; ++t) threads.emplace_back(train);
      for (std::thread& thread : threads) thread.join();
    }
  }
  if (error) std::rethrow_exception(error);
  if (comm.size() > 1) {
    comm.barrier();
    // The trainings of the other ranks, as their directories now say.
    for (std::size_t i = 0; i < records.size(); ++i) {
      if (mine[i]) continue;
      for (const ExperimentRun& run : experiment.runs)
        if (run.name == records[i].run)
          records[i].status = status_of(training_config(run, records[i].seed, options).out_dir);
    }
  }
  return records;
}

}  // namespace valley
