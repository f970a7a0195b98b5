// The results of an experiment's runs, read back from the files each training
// left in OUT/runs/<run>/seed-<s>/ (metrics.csv, summary.json, config.json),
// so that a report can be written again from finished runs without training.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "valley/reproduce/experiment.h"
#include "valley/train/results.h"

namespace valley {

// OUT/runs/<run>/seed-<seed>
std::filesystem::path seed_run_dir(const std::filesystem::path& out_dir, const std::string& run,
                                   uint64_t seed);

struct SeedResult {
  uint64_t seed = 0;
  std::string status;               // completed | diverged | failed
  std::string error;                // why a run did not complete
  std::vector<MetricsRow> rows;     // metrics.csv
  double seconds_per_update = 0.0;  // summary.json; NaN unless completed
  int64_t n_threads = 0;            // config.json
};

struct RunResults {
  std::string run;
  std::vector<SeedResult> seeds;  // the seeds with results, in order
};

// Parses a metrics.csv written by the trainer; errors name the file.
std::vector<MetricsRow> read_metrics_csv(const std::filesystem::path& file);

// Seeds 1 … n_seeds of every run of `experiment` that left a summary.json.
std::vector<RunResults> read_run_results(const Experiment& experiment, const std::filesystem::path& out_dir,
                                         int64_t n_seeds);

// A run's totals up to each metrics row: the minibatch evaluations (∇f and f
// evaluations, each on a minibatch) and the seconds of all its updates so far
// (evaluation rows excluded). One entry per row; the first row's are 0.
struct RunningTotals {
  double evaluations = 0.0;
  double seconds = 0.0;
};
std::vector<RunningTotals> running_totals(const std::vector<MetricsRow>& rows);

// The value of `metric` (a metrics.csv column name) in `row`.
double metric_value(const MetricsRow& row, const std::string& metric);

}  // namespace valley
