#include "valley/train/train_config.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "valley/backends/device.h"
#include "valley/core/error.h"
#include "valley/methods/method_table.h"
#include "valley/devices/device_registry.h"
#include "valley/schedules/lr_drops.h"
#include "valley/model/net_spec.h"

namespace valley {

void validate(const TrainConfig& config) {
  NetSpec::parse(config.net, "--net");
  if (config.n_updates < 0) fail("--updates must be ≥ 0 (got {})", config.n_updates);
  if (config.batch_size < 1) fail("--batch must be ≥ 1 (got {})", config.batch_size);
  if (config.batch_size > 100000) fail("--batch must be ≤ 100000 (got {})", config.batch_size);
  if (config.eval_every < 1) fail("--eval-every must be ≥ 1 (got {})", config.eval_every);
  if (config.eval_size < 1) fail("--eval-size must be ≥ 1 (got {})", config.eval_size);
  if (config.n_threads < 1 || config.n_threads > 256)
    fail("--threads must be between 1 and 256 (got {})", config.n_threads);
  check_device_name(config.device);
  if (config.inner_batch != "same" && config.inner_batch != "fresh" && config.inner_batch != "auto")
    fail("--inner-batch must be 'auto', 'same' or 'fresh' (got '{}')", config.inner_batch);
  if (config.out_dir.empty()) fail("--out DIR is required: where the results of the run go");
  if (config.init_from && config.init_from->empty()) fail("--init-from needs a model file");
  if (config.checkpoint_every < 0) fail("--checkpoint-every must be ≥ 0 (got {})", config.checkpoint_every);
  validate(config.method);
  if (config.inner_batch == "fresh" && config.method.sampler == "projected")
    fail(
        "--sampler projected is exact only when one minibatch serves a whole update; it cannot "
        "be combined with --inner-batch fresh");
}

void validate_against_data(const TrainConfig& config, int64_t n_train_images, const std::string& source) {
  if (config.batch_size > n_train_images)
    fail("--batch {} is larger than the training set ({} images in {})", config.batch_size, n_train_images,
         source);
}

MethodConfig method_for_data(const TrainConfig& config, int64_t n_train_images) {
  MethodConfig method = config.method;
  if (method.base.lr_drop_epochs.empty()) return method;
  if (config.inner_batch == "auto") fail("method_for_data: --inner-batch is not resolved yet");
  const int64_t per_update = method.name == method_name::kEntropySgd && config.inner_batch == "fresh"
                                 ? method.entropy_sgd.n_langevin
                                 : 1;
  method.base.lr_drops = lr_drops_of_epochs(method.base.lr_drop_epochs,
                                            epoch_length(n_train_images, config.batch_size, per_update));
  method.base.lr_drop_epochs.clear();
  return method;
}

const std::vector<Field<TrainConfig>>& train_fields() {
  static const std::vector<Field<TrainConfig>> fields = {
      {.key = "net", .at = [](TrainConfig& c) -> FieldRef { return &c.net; }, .help = "Layer widths"},
      {.key = "updates",
       .at = [](TrainConfig& c) -> FieldRef { return &c.n_updates; },
       .help = "Number of parameter updates"},
      {.key = "batch",
       .at = [](TrainConfig& c) -> FieldRef { return &c.batch_size; },
       .help = "Minibatch size B (eq. 1)"},
      {.key = "eval-every",
       .at = [](TrainConfig& c) -> FieldRef { return &c.eval_every; },
       .help = "Evaluate every N updates"},
      {.key = "eval-size",
       .at = [](TrainConfig& c) -> FieldRef { return &c.eval_size; },
       .help = "Held-out images drawn once per run for evaluation"},
      {.key = "threads",
       .at = [](TrainConfig& c) -> FieldRef { return &c.n_threads; },
       .help = "Worker threads",
       .in_experiments = false},
      {.key = "inner-batch",
       .at = [](TrainConfig& c) -> FieldRef { return &c.inner_batch; },
       .help = "same | fresh | auto"},
      {.key = "checkpoint-every",
       .at = [](TrainConfig& c) -> FieldRef { return &c.checkpoint_every; },
       .help = "Save the full state every N updates",
       .in_experiments = false},
      // Recorded only off the CPU, so that the settings of CPU runs read as before.
      {.key = "device",
       .at = [](TrainConfig& c) -> FieldRef { return &c.device; },
       .help = "cpu | cuda | emulate",
       .added_later = true,
       .written_when_default = false,
       .in_experiments = false},
  };
  return fields;
}

namespace {

// Writes the fields of `config` that config.json records.
template <typename Config>
void write_fields(std::span<const Field<Config>> fields, const Config& config, nlohmann::json& out) {
  static Config defaults;
  Config copy = config;  // the field references are to a mutable config
  for (const Field<Config>& field : fields)
    if (field.written_when_default || !field_equal(field.at(copy), field.at(defaults)))
      out[json_key(field.key)] = field_json(field.at(copy));
}

// Reads the fields of `config` from config.json; a field missing from it is
// an error unless saved settings may lack it.
template <typename Config>
void read_fields(std::span<const Field<Config>> fields, const nlohmann::json& json, const std::string& where,
                 Config& config) {
  for (const Field<Config>& field : fields) {
    std::string key = json_key(field.key);
    if (!json.contains(key) && json.contains(std::string(field.key))) key = field.key;
    if (!json.contains(key)) {
      if (field.added_later || !field.written_when_default) continue;
      fail("{}: the setting \"{}\" is missing", where, key);
    }
    read_field(json[key], field.at(config), [&](const char* expected) {
      fail("{}: the setting \"{}\" must be {}, not {}", where, key, expected, json[key].type_name());
    });
  }
}

}  // namespace

nlohmann::json to_json(const TrainConfig& config) {
  nlohmann::json out = nlohmann::json::object();
  write_fields<TrainConfig>(train_fields(), config, out);
  write_fields<MethodConfig>(method_fields(), config.method, out);
  out["data"] = config.data_dir ? config.data_dir->string() : "";
  out["test_data"] = config.test_data_dir ? config.test_data_dir->string() : "";
  out["init_from"] = config.init_from ? config.init_from->string() : "";
  out["out"] = config.out_dir.string();
  return out;
}

TrainConfig train_config_from_json(const nlohmann::json& json, const std::string& where) {
  if (!json.is_object()) fail("{}: the settings are not a JSON object", where);
  TrainConfig config;
  read_fields<TrainConfig>(train_fields(), json, where, config);
  read_fields<MethodConfig>(method_fields(), json, where, config.method);
  // The paths: "" for none. Settings saved before --init-from existed lack it.
  const auto path = [&](const char* key, bool required) -> std::optional<std::filesystem::path> {
    if (!json.contains(key)) {
      if (required) fail("{}: the setting \"{}\" is missing", where, key);
      return std::nullopt;
    }
    if (!json[key].is_string())
      fail("{}: the setting \"{}\" must be a string, not {}", where, key, json[key].type_name());
    const std::string text = json[key].get<std::string>();
    return text.empty() ? std::nullopt : std::optional<std::filesystem::path>(text);
  };
  config.data_dir = path("data", true);
  config.test_data_dir = path("test_data", true);
  config.init_from = path("init_from", false);
  config.out_dir = path("out", true).value_or(std::filesystem::path());
  return config;
}

}  // namespace valley
