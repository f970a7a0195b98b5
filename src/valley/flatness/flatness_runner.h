// `valley flatness` as a function, for the command and for `valley reproduce`
// (an experiment with a "flatness" key): load each run's model file, measure
// every run on the first `subset` training images with the same draws, write
// flatness.json, the CSV files and figures into out_dir, print the table.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace valley {

struct FlatnessRequest {
  std::vector<std::string> runs;  // run directories or model files
  std::vector<std::string> labels;  // one per run; empty: the directories' names
  std::string out_dir;
  std::string data_dir;  // empty: each run's own data
  std::string subset;    // N or "all"; empty: 10,000 (2,000 with quick)
  uint64_t seed = 1;
  bool quick = false;
  bool brief = false;
  std::vector<std::string> between;  // empty or two runs
  int n_threads = 2;
};

void run_flatness(const FlatnessRequest& request);

}  // namespace valley
