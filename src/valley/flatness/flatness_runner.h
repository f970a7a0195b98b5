// `valley flatness` as a function, for the command, for `valley reproduce`
// (an experiment with a "flatness" key) and for the Python module: load each
// run's model file, measure every run on the first `subset` training images
// with the same draws, write flatness.json, the CSV files and figures into
// out_dir, print the table.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "valley/core/files.h"
#include "valley/flatness/flatness_report.h"
#include "valley/flatness/measure_run.h"
#include "valley/model/model_file.h"

namespace valley {

struct FlatnessRequest {
  std::vector<std::string> runs;    // run directories or model files
  std::vector<std::string> labels;  // one per run; empty: the directories' names
  std::string out_dir;              // empty: FlatnessStudy writes nothing (run_flatness needs one)
  std::string data_dir;             // empty: each run's own data
  bool other_data = false;          // data_dir even where it is not a run's own data
  std::string subset;               // N or "all"; empty: 10,000 (2,000 with quick)
  uint64_t seed = 1;
  bool quick = false;
  bool brief = false;
  std::vector<std::string> between;  // empty or two runs
  int n_threads = 2;
};

// Checks the settings that need no file (the runs, --threads, --subset,
// --between, the labels); errors name the flag.
void validate(const FlatnessRequest& request);

// Where the measuring says what it does: `line` once per run (a line to
// keep), `show` before each part (a status the next one replaces). Either
// may throw to stop the work (an interrupt).
struct FlatnessProgress {
  std::function<void(const std::string&)> line = [](const std::string&) {};
  std::function<void(const std::string&)> show = [](const std::string&) {};
};

struct FlatnessResult {
  nlohmann::json doc;  // flatness.json
  std::vector<MeasuredRun> runs;
  std::optional<Between> between;
};

class FlatnessStudy {
 public:
  // Checks the request, loads every model file and creates out_dir (if the
  // request names one): a bad flag, run or directory fails here, before any
  // work.
  explicit FlatnessStudy(const FlatnessRequest& request);

  // Measures every run (and the line between two with `between`).
  FlatnessResult measure(const FlatnessProgress& progress) const;

 private:
  FlatnessRequest request_;
  int64_t requested_subset_ = 0;  // -1: all
  std::vector<ModelFile> models_;
  std::optional<std::pair<ModelFile, ModelFile>> between_models_;
  // out_dir's, while the study lives: the directories it created (removed
  // if an exception ends the study) and its lock.
  std::unique_ptr<CreatedDirectory> created_;
  DirectoryLock lock_;
};

// Writes flatness.json, the CSV files and the gnuplot script into dir, and
// draws the figures when gnuplot is installed: returns how many it drew, or
// nothing without gnuplot.
std::optional<std::size_t> write_flatness(const std::filesystem::path& dir, const FlatnessResult& result);

// The command: measure, write into request.out_dir, print the table.
void run_flatness(const FlatnessRequest& request);

}  // namespace valley
