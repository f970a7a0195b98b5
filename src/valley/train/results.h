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
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "valley/core/files.h"

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

// Whether `dir` holds a run: its config.json or metrics.csv. train refuses
// such a directory as --out without --overwrite, and every other output
// (flatness --out, reproduce --out, …) refuses it always.
bool holds_a_run(const std::filesystem::path& dir);

// Fails when writing to `path` (after output_target, core/files.h) would
// replace one of the files of a run — config.json, metrics.csv,
// summary.json, checkpoint.bin, model.safetensors, a diagnostics log —
// of a directory that holds_a_run: "FLAG PATH: is the model.safetensors of
// the run in DIR; valley never replaces a run's files but its own". For
// outputs the user names (eval --json, bench --json).
void expect_not_a_run_file(const std::filesystem::path& path, std::string_view flag);

// The same for an output directory: "FLAG DIR: holds a run (its config.json
// and metrics.csv); write elsewhere".
void expect_not_a_run_directory(const std::filesystem::path& dir, std::string_view flag);

// Creates (or, with `overwrite`, reuses) a run's output directory. Refuses to
// mix a new run into a directory that already holds one. Holds the
// directory's lock (core/files.h, DirectoryLock) for its life: one writer
// per run directory.
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
  DirectoryLock lock_;
};

}  // namespace valley
