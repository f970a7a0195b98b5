#include "valley/train/results.h"

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "valley/core/atomic_file.h"
#include "valley/core/error.h"
#include "valley/distributed/communicator.h"
#include "valley/model/model_file.h"
#include "valley/train/checkpoint.h"

namespace valley {
namespace {

// Paths that are not UTF-8 (any byte string is a valid Linux path) are
// written with U+FFFD in place of the bytes that are not.
std::string to_text(const nlohmann::json& json) {
  return json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace

std::string metrics_csv(const std::vector<MetricsRow>& rows) {
  std::string out =
      "update,seconds,train_loss,test_accuracy,test_loss,tau,loss_evals,gradient_evals,ess\n";
  for (const MetricsRow& r : rows)
    out += fmt::format("{},{},{},{},{},{},{},{},{}\n", r.update, r.seconds, r.train_loss,
                       r.test_accuracy, r.test_loss, r.tau, r.loss_evals, r.gradient_evals, r.ess);
  return out;
}

RunDirectory::RunDirectory(std::filesystem::path dir, bool overwrite) : dir_(std::move(dir)) {
  // In a distributed run rank 0 alone checks, creates and writes the
  // directory; the other ranks wait for it here (if it fails, its abort ends
  // them before they do anything).
  if (!distributed::world().is_root()) {
    distributed::world().barrier();
    return;
  }
  std::error_code ec;
  const auto status = std::filesystem::status(dir_, ec);
  if (ec && ec != std::errc::no_such_file_or_directory)
    fail("--out {}: cannot access: {}", dir_.string(), ec.message());
  if (std::filesystem::exists(status)) {
    if (!std::filesystem::is_directory(status))
      fail("--out {}: exists and is not a directory", dir_.string());
    if (!overwrite && (std::filesystem::exists(dir_ / "config.json", ec) ||
                       std::filesystem::exists(dir_ / "metrics.csv", ec)))
      fail("--out {}: already holds a run (pass --overwrite to replace it)", dir_.string());
    // A network left by an earlier run must not pass for this run's.
    std::filesystem::remove(dir_ / kModelFile, ec);
    if (ec) fail("--out {}: cannot remove the earlier {}: {}", dir_.string(), kModelFile, ec.message());
  } else {
    std::filesystem::create_directories(dir_, ec);
    if (ec) fail("--out {}: cannot create directory: {}", dir_.string(), ec.message());
  }
  distributed::world().barrier();
}

RunDirectory RunDirectory::resume(std::filesystem::path dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    fail("--resume {}: not a directory holding a run", dir.string());
  if (distributed::world().is_root())
  for (const char* name : {"config.json", "metrics.csv", "summary.json", kCheckpointFile, kModelFile,
                           "entropy_sgd.csv", "covariance.csv"}) {
    const std::filesystem::path tmp = dir / (std::string(name) + ".tmp");
    std::filesystem::remove(tmp, ec);
  }
  RunDirectory run_dir;
  run_dir.dir_ = std::move(dir);
  return run_dir;
}

void RunDirectory::write_config(const nlohmann::json& config) const {
  if (!distributed::world().is_root()) return;
  write_file_atomically(dir_ / "config.json", to_text(config));
}

void RunDirectory::write_metrics(const std::vector<MetricsRow>& rows) const {
  if (!distributed::world().is_root()) return;
  write_file_atomically(dir_ / "metrics.csv", metrics_csv(rows));
}

void RunDirectory::write_summary(const nlohmann::json& summary) const {
  if (!distributed::world().is_root()) return;
  write_file_atomically(dir_ / "summary.json", to_text(summary));
}

}  // namespace valley
