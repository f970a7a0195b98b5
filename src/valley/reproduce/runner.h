// Trains every run of an experiment once per seed, each into
// OUT/runs/<run>/seed-<s>/, and resumes: a training that finished before
// (summary.json says "completed" or "diverged" — a diverged run diverges
// again with the same seed) with the same settings and data is kept. A
// training that was cut off, failed, or whose settings or data changed is
// done again from the start.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "valley/data/dataset.h"
#include "valley/reproduce/experiment.h"
#include "valley/train/train_config.h"

namespace valley {

struct ReproduceOptions {
  std::filesystem::path out_dir;
  int64_t n_seeds = 3;  // seeds 1 … n_seeds
  int64_t n_threads = 1;
  // Trainings run at once (--jobs), each with its own n_threads and device
  // (with --device cuda, its own CUDA stream); the results do not depend on it.
  int64_t n_jobs = 1;
  std::string device = "cpu";                          // --device: cpu | cuda | emulate
  std::optional<std::filesystem::path> data_dir;       // default: the default data set
  std::optional<std::filesystem::path> test_data_dir;  // default: data_dir
  bool progress = true;  // each training's progress line on stderr when it is a terminal
};

// Checks --seeds, --threads, --jobs and --device; errors name the flag. (run_experiment also
// insists on --out.)
void validate(const ReproduceOptions& options);

// The settings of every run that depend on the data (a batch larger than the
// training set, …), checked before the first run starts; errors name the
// experiment file and the run.
void validate_against_data(const Experiment& experiment, const DataSplit& data);

// The configuration of run `run` with seed `seed`.
TrainConfig training_config(const ExperimentRun& run, uint64_t seed, const ReproduceOptions& options);

// What a training's directory holds, compared with what it would be given.
enum class RunState { absent, finished, unfinished, changed };
RunState run_state(const TrainConfig& config, const DataSplit& data);

struct TrainingRecord {
  std::string run;
  uint64_t seed = 0;
  RunState before = RunState::absent;  // finished: kept, else trained now
  std::string status;                  // completed | diverged | failed
};

// Trains what is not finished; `log` receives one line per training.
std::vector<TrainingRecord> run_experiment(const Experiment& experiment, const ReproduceOptions& options,
                                           const DataSplit& data,
                                           const std::function<void(const std::string&)>& log);

}  // namespace valley
