// An experiment of the paper (§6: a table or a figure), as described by a
// JSON file under experiments/: the runs it trains, the table that puts the
// paper's numbers beside ours, and the figure drawn from the runs. Each run is
// trained once per seed; a user copies a file and changes it to make a new
// experiment.
//
//   {
//     "description": "Table 1 (§6.2): …",
//     "settings": {"net": "784-200-10", "updates": 500, "eval-every": 10},
//     "runs": [
//       {"name": "sgd", "label": "SGD", "color": "red", "settings": {"method": "sgd", "lr": 0.01}},
//       {"name": "sgld", "label": "SGLD", "settings": {"method": "sgld", "tau": 0.01}}
//     ],
//     "table": {"kind": "accuracy", "at_updates": [100, 200],
//               "paper": {"sgd": [0.75, 0.80], "sgld": [0.72, 0.81]}},
//     "figure": {"title": "Fig. 4", "layout": [1, 1],
//                "panels": [{"title": "", "runs": ["sgd", "sgld"]}]}
//   }
//
// "settings" keys are the flags of `valley train` without the dashes (see
// run_settings.h); the top-level "settings" are shared by every run, a run's
// own "settings" add to them and win.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "valley/train/train_config.h"

namespace valley {

struct ExperimentRun {
  std::string name;         // directory name under runs/, unique in the file
  std::string label;        // legend and table label (default: name)
  std::string color;        // gnuplot colour (a name or #rrggbb); empty: a default per panel
  nlohmann::json settings;  // as written: the shared settings, then the run's own
  TrainConfig config;       // everything but the seed, the data, the threads and out_dir
};

// The Markdown table of an experiment.
//   accuracy: held-out accuracy after each of `at_updates`, paper beside ours
//   seconds:  seconds per update and the ratio to the `baseline` run (Table 2)
//   final:    per run, the updates, the f and ∇f evaluations and the seconds
//             it used in all, and its final held-out accuracy and loss — for
//             runs of different lengths at an equal budget; with
//             "equal_time": true a second table reads every run of a network
//             at that network's equal wall-time budget (report_table.h)
struct TableSpec {
  enum class Kind { accuracy, seconds, final };
  Kind kind = Kind::accuracy;
  bool equal_time = false;                                                  // final
  std::vector<int64_t> at_updates;                                          // accuracy
  std::vector<std::pair<std::string, std::vector<double>>> paper_accuracy;  // run → one per update
  std::string baseline;                                                     // seconds
  std::vector<std::pair<std::string, double>> paper_seconds;                // run → seconds per update
};

struct PanelSpec {
  std::string title;
  std::vector<std::string> runs;
  std::string metric;  // empty: the figure's
};

// One PNG of rows × cols panels; each curve is the mean over seeds with a
// band of ± one standard deviation.
struct FigureSpec {
  std::string title;
  int rows = 1;
  int cols = 1;
  std::string metric = "test_accuracy";  // a metrics.csv column
  // The horizontal axis: "updates", or "evaluations" — minibatch evaluations
  // (∇f or f on a minibatch, summed over the updates), the axis that runs of
  // different update costs share.
  std::string x_axis = "updates";
  std::vector<PanelSpec> panels;

  const std::string& metric_of(const PanelSpec& panel) const {
    return panel.metric.empty() ? metric : panel.metric;
  }
};

// An optional "flatness" key, {"quick": false, "subset": 10000, "seeds": 1}:
// after the runs are trained, `valley flatness` measures every run side by
// side (flatness/flatness_runner.h) into OUT/<experiment>/flatness/, with
// seeds 1 … "seeds" of each (default: every seed trained).
struct FlatnessSpec {
  bool quick = false;
  std::string subset;  // N or "all"; empty: the default
  std::optional<int64_t> n_seeds;
};

struct Experiment {
  std::string name;  // the file name without .json
  std::filesystem::path file;
  std::string description;
  std::vector<ExperimentRun> runs;
  TableSpec table;
  std::optional<FigureSpec> figure;
  std::optional<FlatnessSpec> flatness;

  const ExperimentRun& run(const std::string& name) const;
};

// Reads and checks an experiment file; every error is one line naming the
// file and the key.
Experiment read_experiment(const std::filesystem::path& file);

// The experiment files in `dir` (*.json), sorted by name.
std::vector<std::filesystem::path> experiment_files(const std::filesystem::path& dir);

// `name_or_path` is a file (anything ending in .json) or the name of a file
// in `dir`; an unknown name fails with the list of valid ones.
std::filesystem::path find_experiment(const std::filesystem::path& dir, const std::string& name_or_path);

}  // namespace valley
