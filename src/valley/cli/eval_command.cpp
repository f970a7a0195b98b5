// valley eval: the flags of a ModelEvaluation (train/model_evaluation.h),
// its report as a table and, with --json, a file.
#include <cmath>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "valley/cli/commands.h"
#include "valley/core/atomic_file.h"
#include "valley/core/files.h"
#include "valley/core/stop_signal.h"
#include "valley/train/model_evaluation.h"
#include "valley/train/results.h"

namespace valley::cli {
namespace {

struct EvalOptions {
  ModelEvaluationSettings settings;
  std::string data_dir;
  std::string json_file;
};

void print_report(const ClassificationReport& r) {
  const int n_classes = static_cast<int>(r.class_images.size());
  fmt::print("\naccuracy {:.4f}   mean cross-entropy {:.4f}   ({} images)\n\n", r.accuracy, r.loss,
             r.n_images);
  fmt::print("{:>5}  {:>6}  {:>8}   confusion: rows are the true class, columns the predicted\n", "class",
             "images", "accuracy");
  fmt::print("{:>5}  {:>6}  {:>8}  ", "", "", "");
  for (int p = 0; p < n_classes; ++p) fmt::print(" {:>5}", p);
  fmt::print("\n");
  for (int k = 0; k < n_classes; ++k) {
    if (std::isnan(r.class_accuracy[k]))
      fmt::print("{:>5}  {:>6}  {:>8}  ", k, r.class_images[k], "-");
    else
      fmt::print("{:>5}  {:>6}  {:>8.4f}  ", k, r.class_images[k], r.class_accuracy[k]);
    for (int p = 0; p < n_classes; ++p) fmt::print(" {:>5}", r.confusion[k][p]);
    fmt::print("\n");
  }
}

void run_eval(EvalOptions options) {
  ModelEvaluationSettings& settings = options.settings;
  if (!options.data_dir.empty()) settings.data_dir = options.data_dir;
  // Where the results go is checked first: never a run's own file, never a
  // FIFO or a device (core/files.h).
  if (!options.json_file.empty()) expect_not_a_run_file(options.json_file, "--json");
  const ModelEvaluation evaluation(settings);
  const ModelFile& model = evaluation.model();
  const Dataset& data = evaluation.data();
  const auto meta = [&](const char* key) {
    return model.metadata.count(key) > 0 ? model.metadata.at(key) : std::string("?");
  };
  fmt::print("valley eval: {} ({}, method {}, seed {}, {} updates)\n", settings.model, model.net.str(),
             meta("method"), meta("seed"), meta("updates"));
  fmt::print("  data  {} split of {} ({}): the first {} of {} images\n", settings.split, data.source,
             evaluation.data_origin(), evaluation.n_images(), data.n);
  std::fflush(stdout);
  const ClassificationReport report = evaluation.run();
  throw_if_stopped("--model " + settings.model, "; nothing was written");
  print_report(report);
  if (!options.json_file.empty()) {
    write_file_atomically(options.json_file, evaluation.to_json(report).dump(2) + "\n");
    fmt::print("\nwrote {}\n", options.json_file);
  }
}

}  // namespace

void add_eval_command(CLI::App& app) {
  auto options = std::make_shared<EvalOptions>();
  CLI::App* cmd = app.add_subcommand(
      "eval",
      "Evaluate a trained network (a run directory or a model.safetensors file) on a whole split "
      "of a data set: accuracy, mean cross-entropy, per-class accuracy and the confusion matrix.");
  cmd->add_option("--model", options->settings.model,
                  "A run's --out directory (its model.safetensors is read) or a model file");
  cmd->add_option("--data", options->data_dir,
                  "Directory with train-* and t10k-* IDX files (default: the data the run "
                  "trained on, as recorded in its config.json or its model file, checked by "
                  "size and CRC-32; the default data set for a model that records none). "
                  "Must be the run's data unless --other-data is given");
  cmd->add_flag("--other-data", options->settings.other_data,
                "Evaluate on --data even though the run trained on other data");
  cmd->add_option("--split", options->settings.split,
                  "test: the t10k-* images (for the default data set, its 1000 held-out "
                  "images); train: the train-* images")
      ->capture_default_str();
  cmd->add_option("--eval-size", options->settings.eval_size,
                  "Evaluate on the first N images of the split, in file order (0: all)")
      ->capture_default_str();
  cmd->add_option("--json", options->json_file, "Also write the results to this JSON file");
  cmd->add_option("--threads", options->settings.n_threads,
                  "Worker threads (the numbers do not depend on it)")
      ->capture_default_str();
  cmd->callback([options] {
    install_stop_handlers();
    run_eval(*options);
  });
}

}  // namespace valley::cli
