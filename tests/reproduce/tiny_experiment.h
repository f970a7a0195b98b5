// A tiny experiment for the reproduce tests: SGD and IS on 784-10 for 6
// updates, evaluated every 2, so that a run takes milliseconds.
#pragma once

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "support/fixtures.h"

namespace valley::testing {

inline nlohmann::json tiny_experiment() {
  return nlohmann::json::parse(R"({
    "description": "A tiny experiment: SGD and IS on 784-10.",
    "settings": {"net": "784-10", "updates": 6, "batch": 10, "eval-every": 2, "eval-size": 30},
    "runs": [
      {"name": "sgd", "label": "SGD", "color": "red", "settings": {"method": "sgd", "lr": 0.05}},
      {"name": "is", "label": "IS", "settings": {"method": "is", "tau": 0.01, "samples": 8}}
    ],
    "table": {"kind": "accuracy", "at_updates": [2, 4, 6], "paper": {"sgd": [0.5, 0.6, 0.7]}},
    "figure": {"title": "tiny", "panels": [{"title": "both", "runs": ["sgd", "is"]}]}
  })");
}

inline void write_json(const std::filesystem::path& file, const nlohmann::json& json) {
  std::filesystem::create_directories(file.parent_path());
  write_bytes(file, json.dump(2));
}

}  // namespace valley::testing
