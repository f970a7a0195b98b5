// The outer loop (DESIGN "Data flow"): for k = 0 … K−1 select minibatch k,
// let the method compute x_{k+1}, and every `eval_every` updates evaluate on
// the held-out images and write the results. Time per update excludes
// evaluation. With --checkpoint-every N the full state is saved every N
// updates (and at the start and the end), and a run can be resumed from it
// with bit-identical results: all randomness is a function of (seed, k, j).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "valley/core/types.h"
#include "valley/data/dataset.h"
#include "valley/train/checkpoint.h"
#include "valley/train/results.h"
#include "valley/train/train_config.h"

namespace valley {

// How many training images (drawn once per run) the train loss of each
// metrics row is measured on.
inline constexpr int64_t kTrainLossImages = 1000;

// A resumed run's settings (`now`, as to_json writes them) must be those the
// checkpoint `name` recorded (`stored`), but for the few that change no
// number (--threads, --checkpoint-every, --data, --test-data); else a one-line
// error naming the flag. Checked on parsing the flags and again by the
// trainer.
void check_resumed_settings(const nlohmann::json& now, const nlohmann::json& stored, const std::string& name);

struct TrainOutcome {
  Vec x;                         // final parameters
  std::vector<MetricsRow> rows;  // as in metrics.csv
  nlohmann::json summary;        // as in summary.json
};

// Loads the data named by --data / --test-data, or the default data set.
DataSplit load_training_data(const TrainConfig& config);

// Replaces --inner-batch auto by fresh for entropy-sgd and same otherwise, and
// --sampler auto by what it means for this run: projected for the
// regularized methods with one minibatch per update, full otherwise (with a
// note on stderr), on every device alike.
TrainConfig resolve_sampler(TrainConfig config);

// One run, an update at a time.
class TrainingRun {
 public:
  // A new run: checks everything, and only then creates config.out_dir and
  // writes config.json, the first metrics row and the first checkpoint.
  TrainingRun(const TrainConfig& config, const DataSplit& data);
  // Continues the run saved in `checkpoint` in config.out_dir. The settings
  // that decide the numbers must equal the checkpoint's and the data files
  // must be the same (size and CRC-32); errors name `checkpoint_name`.
  TrainingRun(const TrainConfig& config, const DataSplit& data, const Checkpoint& checkpoint,
              const std::string& checkpoint_name);
  ~TrainingRun();
  TrainingRun(const TrainingRun&) = delete;
  TrainingRun& operator=(const TrainingRun&) = delete;

  int64_t n_done() const;
  bool finished() const;

  // Runs update k = n_done(), then evaluates and checkpoints when due. A
  // method error or a non-finite loss, gradient or parameter stops the run:
  // summary.json says why, the last checkpoint stays as it was, and the
  // valley::Error names the update, the method and the quantity.
  void run_update();

  // The full state after n_done() updates.
  Checkpoint checkpoint() const;

  // Ends an unfinished run from outside (an interrupt between updates): the
  // state after n_done() updates is saved as the end of a run saves it (the
  // checkpoint and model.safetensors with --checkpoint-every, else the model
  // file), so that `--resume` continues from here, and summary.json records
  // status "interrupted" and updates_done. Returns the one-line message.
  std::string record_interruption(const std::string& why);

  // Between two updates: if a stop signal came (core/stop_signal.h) — to any
  // rank of a distributed run, which all agree on it and so stop after the
  // same update — records the interruption and throws valley::Interrupted.
  void stop_if_signalled();

  // Writes summary.json; call once finished().
  TrainOutcome finish();

 private:
  struct State;
  std::unique_ptr<State> s_;
};

// Trains and writes config.json, metrics.csv, summary.json (and, with
// --checkpoint-every, checkpoint.bin) into config.out_dir. Checks for a stop
// signal between updates (stop_if_signalled).
TrainOutcome run_training(const TrainConfig& config, const DataSplit& data);

}  // namespace valley
