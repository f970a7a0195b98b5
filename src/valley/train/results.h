// The files a run leaves in its output directory, each written atomically:
//   config.json   every setting used, the data's identity, valley's version
//   metrics.csv   one row per evaluation (columns below)
//   summary.json  final accuracy, timing, status
//   checkpoint.bin the full state, with --checkpoint-every (train/checkpoint.h)
//   model.safetensors the network's parameters (model/model_file.h), at the
//                 end and beside every checkpoint
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace valley {

struct MetricsRow {
  int64_t update = 0;
  double seconds = 0.0;  // wall time per update, averaged since the previous row
  double train_loss = 0.0;
  double test_accuracy = 0.0;
  double test_loss = 0.0;
  double tau = 0.0;             // τ(k) of the last update (NaN for SGD)
  double loss_evals = 0.0;      // f evaluations per update, averaged since the previous row
  double gradient_evals = 0.0;  // ∇f evaluations per update, likewise
  double ess = 0.0;             // IS effective sample size, mean since the previous row (else NaN)
};

std::string metrics_csv(const std::vector<MetricsRow>& rows);

// Creates (or, with `overwrite`, reuses) a run's output directory. Refuses to
// mix a new run into a directory that already holds one.
class RunDirectory {
 public:
  RunDirectory(std::filesystem::path dir, bool overwrite);

  // The directory of a run that is being resumed: it must exist. Removes the
  // temporary files a killed run may have left (their targets are intact).
  static RunDirectory resume(std::filesystem::path dir);

  void write_config(const nlohmann::json& config) const;
  void write_metrics(const std::vector<MetricsRow>& rows) const;
  void write_summary(const nlohmann::json& summary) const;

  const std::filesystem::path& path() const { return dir_; }

 private:
  RunDirectory() = default;

  std::filesystem::path dir_;
};

}  // namespace valley
