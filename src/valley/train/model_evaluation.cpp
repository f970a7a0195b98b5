#include "valley/train/model_evaluation.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "valley/core/error.h"
#include "valley/core/files.h"

namespace valley {
namespace {

// Where the data comes from: --data, else the run's own data (its
// config.json, when the model is a run directory), else the default data set.
struct DataChoice {
  std::filesystem::path dir;
  std::optional<std::filesystem::path> test_dir;
  std::string origin;
};

DataChoice choose_data(const ModelEvaluationSettings& settings) {
  if (settings.data_dir) return {*settings.data_dir, std::nullopt, "--data"};
  const std::filesystem::path config_file = std::filesystem::path(settings.model) / "config.json";
  std::error_code ec;
  if (std::filesystem::is_directory(settings.model, ec) && std::filesystem::exists(config_file, ec)) {
    const nlohmann::json config = nlohmann::json::parse(read_text_file(config_file), nullptr, false);
    if (!config.is_object() || !config.value("data", nlohmann::json()).is_string() ||
        !config.value("test_data", nlohmann::json()).is_string())
      fail("{}: not a run's config.json (no \"data\" and \"test_data\" paths); pass --data DIR",
           config_file.string());
    const std::string data = config["data"].get<std::string>();
    const std::string test_data = config["test_data"].get<std::string>();
    return {data.empty() ? default_data_dir() : std::filesystem::path(data),
            test_data.empty() ? std::nullopt : std::optional<std::filesystem::path>(test_data),
            "the run's data, from " + config_file.string()};
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

}  // namespace

void validate(const ModelEvaluationSettings& settings) {
  if (settings.model.empty()) fail("--model RUN_DIR|FILE is required: the network to evaluate");
  if (settings.data_dir && settings.data_dir->empty()) fail("--data needs a directory");
  if (settings.split != "test" && settings.split != "train")
    fail("--split must be 'test' or 'train' (got '{}')", settings.split);
  if (settings.eval_size < 0)
    fail("--eval-size must be ≥ 0 (got {}; 0: the whole split)", settings.eval_size);
  if (settings.n_threads < 1 || settings.n_threads > 256)
    fail("--threads must be between 1 and 256 (got {})", settings.n_threads);
}

ModelEvaluation::ModelEvaluation(const ModelEvaluationSettings& settings) : settings_(settings) {
  validate(settings_);
  model_ = load_model(settings_.model);
  const DataChoice choice = choose_data(settings_);
  if (!std::filesystem::exists(choice.dir))
    fail("{}: data set not found ({}); run scripts/setup-data.sh (or `make data`) to fetch the "
         "default data, or pass --data DIR",
         choice.dir.string(), choice.origin);
  data_ = load_data_dir(choice.dir, choice.test_dir);
  data_origin_ = choice.origin;
  check_fits(model_, data(), settings_.model);
  n_images_ = settings_.eval_size > 0 ? std::min(settings_.eval_size, data().n) : data().n;
}

const Dataset& ModelEvaluation::data() const {
  return settings_.split == "test" ? data_.test : data_.train;
}

ClassificationReport ModelEvaluation::run() const {
  return classify(model_.net, model_.x, data(), n_images_, static_cast<int>(settings_.n_threads));
}

nlohmann::json ModelEvaluation::to_json(const ClassificationReport& r) const {
  nlohmann::json per_class = nlohmann::json::array();
  for (std::size_t k = 0; k < r.class_images.size(); ++k)
    per_class.push_back({{"class", k},
                         {"images", r.class_images[k]},
                         {"accuracy", std::isnan(r.class_accuracy[k])
                                          ? nlohmann::json(nullptr)
                                          : nlohmann::json(r.class_accuracy[k])}});
  return {{"model", settings_.model},
          {"net", model_.net.str()},
          {"model_metadata", model_.metadata},
          {"data", data().source},
          {"split", settings_.split},
          {"images", r.n_images},
          {"accuracy", r.accuracy},
          {"loss", r.loss},
          {"per_class", per_class},
          {"confusion", r.confusion}};
}

}  // namespace valley
