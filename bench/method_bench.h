// `valley bench` cases: seconds per update of a method on a network, on
// synthetic images (the cost of an update does not depend on pixel values).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "valley/methods/method_config.h"
#include "valley/model/net_spec.h"

namespace valley::bench {

struct BenchSettings {
  int batch_size = 20;
  int n_threads = 1;
  int n_warmup = 3;
  int min_updates = 5;       // timed updates, at least …
  double min_seconds = 1.0;  // … and until this much time has passed
  int max_updates = 2000;
};

struct BenchResult {
  std::string method;
  std::string net;
  int n_updates = 0;
  double median_seconds = 0.0;
  double min_seconds = 0.0;
  double max_seconds = 0.0;
  double loss_evals = 0.0;      // per update
  double gradient_evals = 0.0;  // per update
};

BenchResult bench_method(const MethodConfig& method, const NetSpec& spec,
                         const BenchSettings& settings);

std::string format_table(const std::vector<BenchResult>& results);
nlohmann::json to_json(const BenchResult& result);

}  // namespace valley::bench
