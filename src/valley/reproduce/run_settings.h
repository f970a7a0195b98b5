// The "settings" of an experiment's run: the flags of `valley train` without
// their dashes, as JSON values, e.g. {"method": "sgld", "tau": 0.01,
// "samples": 1000, "eps0": 2000}. As on the command line, a key that the
// run's method ignores is an error. Left out on purpose: seed (from
// --seeds), data, test-data, threads and out (from `valley reproduce`).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "valley/train/train_config.h"

namespace valley {

// Every key a run's settings may hold.
std::vector<std::string> run_setting_keys();

// Applies `settings` (a JSON object) to `config`. `where` prefixes every
// error, e.g. "experiments/fig5.json: runs[1].settings".
void apply_run_settings(const nlohmann::json& settings, const std::string& where, TrainConfig& config);

// Fails, naming `where` and the key, when a key of `settings` does not apply
// to `method` (sgd, sgld, is or heat).
void check_settings_apply(const nlohmann::json& settings, const std::string& method,
                          const std::string& where);

}  // namespace valley
