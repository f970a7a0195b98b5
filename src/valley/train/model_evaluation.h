// A trained network (a run directory or a model file) on a whole split of a
// data set: accuracy, mean cross-entropy, per-class accuracy and the
// confusion matrix (`valley eval`, valley.eval in Python).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "valley/data/dataset.h"
#include "valley/model/model_file.h"
#include "valley/train/evaluate.h"

namespace valley {

struct ModelEvaluationSettings {
  std::string model;  // a run's --out directory or a model file
  // Default: the run's own data (recorded in its config.json, or in the
  // model file's metadata), found where its files were and checked by size
  // and CRC-32; else, for a model that records none, the default data set
  // (train/run_data.h).
  std::optional<std::filesystem::path> data_dir;
  // Evaluate on data_dir even if it is not the data the run recorded.
  bool other_data = false;
  std::string split = "test";  // test | train
  int64_t eval_size = 0;       // the first N images of the split; 0: all
  int64_t n_threads = 1;       // the numbers do not depend on it
};

// Checks every setting; errors name the flag.
void validate(const ModelEvaluationSettings& settings);

// Loads the model and the data and checks that they fit each other (its
// input width is the images' pixel count, every label is one of its
// outputs); run() then classifies. Errors name the flag and the file.
class ModelEvaluation {
 public:
  explicit ModelEvaluation(const ModelEvaluationSettings& settings);

  const ModelFile& model() const { return model_; }
  const Dataset& data() const;
  // Where the data came from: "--data", "the run's data, from …/config.json"
  // or "the default data set: … records no data" (train/run_data.h).
  const std::string& data_origin() const { return data_origin_; }
  int64_t n_images() const { return n_images_; }  // evaluated: eval_size, at most the split's

  ClassificationReport run() const;

  // What `valley eval --json` writes: the model, its net and metadata, the
  // data file, the split, then the report (a class without images has a
  // null accuracy).
  nlohmann::json to_json(const ClassificationReport& report) const;

 private:
  ModelEvaluationSettings settings_;
  ModelFile model_;
  DataSplit data_;
  std::string data_origin_;
  int64_t n_images_ = 0;
};

}  // namespace valley
