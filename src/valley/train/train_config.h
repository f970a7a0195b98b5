// Everything `valley train` needs, with the paper's defaults (§6.2): net
// 784-200-10, minibatch 20, 500 updates, accuracy on 1000 held-out images
// every 100 updates.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "valley/methods/method_config.h"
#include "valley/methods/settings_table.h"

namespace valley {

struct TrainConfig {
  std::string net = "784-200-10";
  int64_t n_updates = 500;
  int64_t batch_size = 20;
  int64_t eval_every = 100;
  int64_t eval_size = 1000;
  int64_t n_threads = 1;
  // cpu; cuda: the updates run on the GPU; emulate: the GPU path on this CPU
  // (backends/device.h, docs/GPU.md)
  std::string device = "cpu";
  // same | fresh | auto: fresh for entropy-sgd (its reference draws a
  // minibatch per inner step), same for the others (the paper's reading)
  std::string inner_batch = "auto";
  std::optional<std::filesystem::path> data_dir;       // default: default_data_dir()
  std::optional<std::filesystem::path> test_data_dir;  // default: data_dir
  std::filesystem::path out_dir;
  bool overwrite = false;
  bool progress = true;          // a progress line on stderr when it is a terminal
  int64_t checkpoint_every = 0;  // write the full state every N updates (0: never)
  // Start from the parameters in this model file (model/model_file.h)
  // instead of Glorot-uniform ones; its net must be `net`.
  std::optional<std::filesystem::path> init_from;
  MethodConfig method;
};

// Checks every setting; errors name the flag.
void validate(const TrainConfig& config);

// Checks the settings that depend on the training set: a minibatch of
// --batch images drawn without replacement needs at least that many
// (`source` names the images in the error).
void validate_against_data(const TrainConfig& config, int64_t n_train_images, const std::string& source);

// The method's settings with --lr-drop-epochs turned into --lr-drops
// (schedules/lr_drops.h): an epoch is ⌈N/B⌉ minibatches, and entropy-sgd with
// fresh inner minibatches draws L of them per update. `config.inner_batch`
// must be resolved (not "auto").
MethodConfig method_for_data(const TrainConfig& config, int64_t n_train_images);

// The settings of the run around the method (the method's are in
// methods/method_table.h), for config.json and experiment files; the paths
// (--data, --test-data, --init-from, --out) are not among them.
const std::vector<Field<TrainConfig>>& train_fields();

// Every setting, keyed by its flag's name without the dashes ("--eval-every"
// is "eval_every"); unset optional settings are null.
nlohmann::json to_json(const TrainConfig& config);

// The inverse of to_json (other keys are ignored). A missing key or a value of
// the wrong type is an error naming `where` and the key; only "init_from" and
// "sgld_noise", which settings saved before they existed lack, may be missing
// (no file; "variance").
TrainConfig train_config_from_json(const nlohmann::json& json, const std::string& where);

}  // namespace valley
