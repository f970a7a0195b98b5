#include "valley/train/results.h"

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "valley/core/atomic_file.h"
#include "valley/core/error.h"

namespace valley {

std::string metrics_csv(const std::vector<MetricsRow>& rows) {
  std::string out =
      "update,seconds,train_loss,test_accuracy,test_loss,tau,loss_evals,gradient_evals,ess\n";
  for (const MetricsRow& r : rows)
    out += fmt::format("{},{},{},{},{},{},{},{},{}\n", r.update, r.seconds, r.train_loss,
                       r.test_accuracy, r.test_loss, r.tau, r.loss_evals, r.gradient_evals, r.ess);
  return out;
}

RunDirectory::RunDirectory(std::filesystem::path dir, bool overwrite) : dir_(std::move(dir)) {
  std::error_code ec;
  if (std::filesystem::exists(dir_, ec)) {
    if (!std::filesystem::is_directory(dir_)) fail("--out {}: exists and is not a directory", dir_.string());
    if (!overwrite && (std::filesystem::exists(dir_ / "config.json") ||
                       std::filesystem::exists(dir_ / "metrics.csv")))
      fail("--out {}: already holds a run (pass --overwrite to replace it)", dir_.string());
  } else {
    std::filesystem::create_directories(dir_, ec);
    if (ec) fail("--out {}: cannot create directory: {}", dir_.string(), ec.message());
  }
}

void RunDirectory::write_config(const nlohmann::json& config) const {
  write_file_atomically(dir_ / "config.json", config.dump(2) + "\n");
}

void RunDirectory::write_metrics(const std::vector<MetricsRow>& rows) const {
  write_file_atomically(dir_ / "metrics.csv", metrics_csv(rows));
}

void RunDirectory::write_summary(const nlohmann::json& summary) const {
  write_file_atomically(dir_ / "summary.json", summary.dump(2) + "\n");
}

}  // namespace valley
