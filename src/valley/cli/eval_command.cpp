// valley eval: a trained network (a run directory or a model file) on a whole
// split of a data set: accuracy, mean cross-entropy, per-class accuracy and
// the confusion matrix, as a table and, with --json, a file.
#include <cmath>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "valley/cli/commands.h"
#include "valley/core/atomic_file.h"
#include "valley/core/error.h"
#include "valley/data/dataset.h"
#include "valley/model/model_file.h"
#include "valley/train/evaluate.h"

namespace valley::cli {
namespace {

struct EvalOptions {
  std::string model;
  std::string data_dir;
  std::string split = "test";
  int64_t eval_size = 0;  // 0: the whole split
  std::string json_file;
  int64_t n_threads = 1;
};

// Where the data comes from: --data, else the run's own data (its
// config.json, when --model is a run directory), else the default data set.
struct DataChoice {
  std::filesystem::path dir;
  std::optional<std::filesystem::path> test_dir;
  std::string why;
};

DataChoice choose_data(const EvalOptions& options) {
  if (!options.data_dir.empty()) return {options.data_dir, std::nullopt, "--data"};
  const std::filesystem::path config_file = std::filesystem::path(options.model) / "config.json";
  std::error_code ec;
  if (std::filesystem::is_directory(options.model, ec) && std::filesystem::exists(config_file, ec)) {
    std::ifstream in(config_file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    const nlohmann::json config = nlohmann::json::parse(text.str(), nullptr, false);
    if (!config.is_object() || !config.value("data", nlohmann::json()).is_string() ||
        !config.value("test_data", nlohmann::json()).is_string())
      fail("{}: not a run's config.json (no \"data\" and \"test_data\" paths); pass --data DIR",
           config_file.string());
    const std::string data = config["data"].get<std::string>();
    const std::string test_data = config["test_data"].get<std::string>();
    DataChoice choice{data.empty() ? default_data_dir() : std::filesystem::path(data),
                      test_data.empty() ? std::nullopt : std::optional<std::filesystem::path>(test_data),
                      "the run's data, from " + config_file.string()};
    return choice;
  }
  return {default_data_dir(), std::nullopt, "the default data set"};
}

void check_fits(const ModelFile& model, const Dataset& data, const std::string& model_name) {
  if (model.net.n_inputs() != data.pixels())
    fail("--model {}: its net {} takes {} inputs, but the images of {} have {} pixels",
         model_name, model.net.str(), model.net.n_inputs(), data.source, data.pixels());
  int max_label = 0;
  for (uint8_t l : data.labels) max_label = std::max<int>(max_label, l);
  if (max_label >= model.net.n_outputs())
    fail("--model {}: its net {} has {} outputs, but {} holds label {}", model_name,
         model.net.str(), model.net.n_outputs(), data.source, max_label);
}

void print_report(const ClassificationReport& r) {
  const int n_classes = static_cast<int>(r.class_images.size());
  fmt::print("\naccuracy {:.4f}   mean cross-entropy {:.4f}   ({} images)\n\n", r.accuracy, r.loss,
             r.n_images);
  fmt::print("{:>5}  {:>6}  {:>8}   confusion: rows are the true class, columns the predicted\n",
             "class", "images", "accuracy");
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

nlohmann::json report_json(const ClassificationReport& r, const ModelFile& model,
                           const EvalOptions& options, const Dataset& data) {
  nlohmann::json per_class = nlohmann::json::array();
  for (std::size_t k = 0; k < r.class_images.size(); ++k)
    per_class.push_back({{"class", k},
                         {"images", r.class_images[k]},
                         {"accuracy", std::isnan(r.class_accuracy[k])
                                          ? nlohmann::json(nullptr)
                                          : nlohmann::json(r.class_accuracy[k])}});
  return {{"model", options.model},
          {"net", model.net.str()},
          {"model_metadata", model.metadata},
          {"data", data.source},
          {"split", options.split},
          {"images", r.n_images},
          {"accuracy", r.accuracy},
          {"loss", r.loss},
          {"per_class", per_class},
          {"confusion", r.confusion}};
}

void run_eval(const EvalOptions& options) {
  if (options.model.empty()) fail("--model RUN_DIR|FILE is required: the network to evaluate");
  if (options.split != "test" && options.split != "train")
    fail("--split must be 'test' or 'train' (got '{}')", options.split);
  if (options.eval_size < 0) fail("--eval-size must be ≥ 0 (got {}; 0: the whole split)", options.eval_size);
  if (options.n_threads < 1 || options.n_threads > 256)
    fail("--threads must be between 1 and 256 (got {})", options.n_threads);
  const ModelFile model = load_model(options.model);
  const DataChoice choice = choose_data(options);
  if (!std::filesystem::exists(choice.dir))
    fail("{}: data set not found ({}); run scripts/setup-data.sh (or `make data`) to fetch the "
         "default data, or pass --data DIR",
         choice.dir.string(), choice.why);
  const DataSplit split = load_data_dir(choice.dir, choice.test_dir);
  const Dataset& data = options.split == "test" ? split.test : split.train;
  check_fits(model, data, options.model);
  const int64_t n_images = options.eval_size > 0 ? std::min(options.eval_size, data.n) : data.n;
  const auto meta = [&](const char* key) {
    return model.metadata.count(key) > 0 ? model.metadata.at(key) : std::string("?");
  };
  fmt::print("valley eval: {} ({}, method {}, seed {}, {} updates)\n", options.model,
             model.net.str(), meta("method"), meta("seed"), meta("updates"));
  fmt::print("  data  {} split of {} ({}): the first {} of {} images\n", options.split,
             data.source, choice.why, n_images, data.n);
  std::fflush(stdout);
  const ClassificationReport report =
      classify(model.net, model.x, data, n_images, static_cast<int>(options.n_threads));
  print_report(report);
  if (!options.json_file.empty()) {
    write_file_atomically(options.json_file, report_json(report, model, options, data).dump(2) + "\n");
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
  cmd->add_option("--model", options->model,
                  "A run's --out directory (its model.safetensors is read) or a model file");
  cmd->add_option("--data", options->data_dir,
                  "Directory with train-* and t10k-* IDX files (default: the run's own data "
                  "from its config.json when --model is a run directory, else the default "
                  "data set)");
  cmd->add_option("--split", options->split,
                  "test: the t10k-* images (for the default data set, its 1000 held-out "
                  "images); train: the train-* images")
      ->capture_default_str();
  cmd->add_option("--eval-size", options->eval_size,
                  "Evaluate on the first N images of the split, in file order (0: all)")
      ->capture_default_str();
  cmd->add_option("--json", options->json_file, "Also write the results to this JSON file");
  cmd->add_option("--threads", options->n_threads,
                  "Worker threads (the numbers do not depend on it)")
      ->capture_default_str();
  cmd->callback([options] { run_eval(*options); });
}

}  // namespace valley::cli
