#include "valley/reproduce/run_settings.h"

#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "valley/core/error.h"
#include "valley/methods/method_table.h"

namespace valley {
namespace {

// A key of an experiment's settings: a field of the run (train/train_config.h)
// or of the method (methods/method_table.h), or "no-<key>" for a yes/no that
// --no-<key> sets on the command line.
struct Key {
  const Field<TrainConfig>* run = nullptr;
  const MethodField* method = nullptr;
  bool negated = false;
};

bool in_experiments(const Key& key) {
  return key.run != nullptr ? key.run->in_experiments : key.method->in_experiments;
}

std::optional<Key> lookup(const std::string& name) {
  Key key;
  key.run = find_field<TrainConfig>(train_fields(), name);
  if (key.run == nullptr) key.method = find_field<MethodConfig>(method_fields(), name);
  if (key.run == nullptr && key.method == nullptr) {
    const std::string flag = table_key(name);
    if (flag.rfind("no-", 0) == 0) {
      key.method = find_field<MethodConfig>(method_fields(), flag.substr(3));
      key.negated = key.method != nullptr && !key.method->negated_help.empty();
      if (!key.negated) key.method = nullptr;
    }
  }
  if ((key.run == nullptr && key.method == nullptr) || !in_experiments(key)) return std::nullopt;
  return key;
}

Key find_key(const std::string& name, const std::string& where) {
  if (const std::optional<Key> key = lookup(name)) return *key;
  if (name == "seed" || name == "data" || name == "test-data" || name == "threads" || name == "device" ||
      name == "out")
    fail(
        "{}: '{}' is not set by the experiment file but by `valley reproduce` (--seeds, --data, "
        "--test-data, --threads, --device, --out)",
        where, name);
  fail("{}: unknown key '{}' (valid: {})", where, name, fmt::join(run_setting_keys(), ", "));
}

void set(const Key& key, const nlohmann::json& value, const std::string& where, TrainConfig& config) {
  const auto wrong_type = [&](const char* expected) {
    fail("{}: expected {} (got {})", where, expected, value.dump());
  };
  if (key.negated) {
    if (!value.is_boolean() || !value.get<bool>())
      fail("{}: only true is meaningful (for --{}, set \"{}\": true)", where, key.method->key,
           key.method->key);
    *std::get<std::optional<bool>*>(key.method->at(config.method)) = false;
    return;
  }
  if (key.run != nullptr)
    read_field(value, key.run->at(config), wrong_type);
  else
    read_field(value, key.method->at(config.method), wrong_type);
}

}  // namespace

std::vector<std::string> run_setting_keys() {
  std::vector<std::string> names;
  for (const Field<TrainConfig>& field : train_fields())
    if (field.in_experiments) names.emplace_back(field.key);
  for (const MethodField& field : method_fields()) {
    if (!field.in_experiments) continue;
    names.emplace_back(field.key);
    if (!field.negated_help.empty()) names.push_back("no-" + std::string(field.key));
  }
  return names;
}

void apply_run_settings(const nlohmann::json& settings, const std::string& where, TrainConfig& config) {
  if (!settings.is_object()) fail("{}: expected an object (got {})", where, settings.type_name());
  for (const auto& [name, value] : settings.items())
    set(find_key(name, where), value, where + "." + name, config);
}

void check_settings_apply(const nlohmann::json& settings, const std::string& method,
                          const std::string& where) {
  for (const auto& [name, value] : settings.items()) {
    const Key key = find_key(name, where);
    if (key.method != nullptr && !applies_to(*key.method, method))
      fail("{}.{}: does not apply to method '{}'", where, name, method);
  }
}

}  // namespace valley
