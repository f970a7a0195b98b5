// Per-update or per-evaluation diagnostics of methods that report them, each
// in a CSV file of its own beside metrics.csv (whose columns stay those of
// every method):
//   entropy_sgd.csv  update,gamma,drift — Entropy-SGD's γ_k and ‖x_c − μ‖
//                    (what its reference prints), one row per update
//   covariance.csv   update,layer,min,median,max — the per-coordinate
//                    variances s of --covariance diag, per layer (weights and
//                    biases of layer l together), at every metrics row
// A file is rewritten atomically with every metrics row and before every
// checkpoint, so that a resumed run finds the rows up to its checkpoint and
// continues them exactly.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace valley {

class DiagnosticsLog {
 public:
  DiagnosticsLog(std::string file_name, std::string header)
      : file_name_(std::move(file_name)), header_(std::move(header)) {}

  // A row for update `update`; `fields` are the columns after it.
  void add(int64_t update, const std::string& fields);

  std::string csv() const;
  void write(const std::filesystem::path& dir) const;
  // Loads dir/file_name, keeping the rows of updates ≤ n_done. Errors name
  // the file and the problem.
  void resume(const std::filesystem::path& dir, int64_t n_done);

  const std::string& file_name() const { return file_name_; }
  std::size_t size() const { return lines_.size(); }

 private:
  std::string file_name_, header_;
  std::vector<std::string> lines_;
};

}  // namespace valley
