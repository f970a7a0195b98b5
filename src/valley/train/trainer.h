// The outer loop (DESIGN "Data flow"): for k = 0 … K−1 select minibatch k,
// let the method compute x_{k+1}, and every `eval_every` updates evaluate on
// the held-out images and write the results. Time per update excludes
// evaluation.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "valley/core/types.h"
#include "valley/data/dataset.h"
#include "valley/train/results.h"
#include "valley/train/train_config.h"

namespace valley {

struct TrainOutcome {
  Vec x;                         // final parameters
  std::vector<MetricsRow> rows;  // as in metrics.csv
  nlohmann::json summary;        // as in summary.json
};

// Loads the data named by --data / --test-data, or the default data set.
DataSplit load_training_data(const TrainConfig& config);

// Trains and writes config.json, metrics.csv and summary.json into
// config.out_dir. Throws valley::Error when the run diverges.
TrainOutcome run_training(const TrainConfig& config, const DataSplit& data);

}  // namespace valley
