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

// Every file a run writes in its directory.
constexpr const char* kRunFiles[] = {
    "config.json", "metrics.csv",     "summary.json",   kCheckpointFile,
    kModelFile,    "entropy_sgd.csv", "covariance.csv", DirectoryLock::kFileName};

}  // namespace

bool holds_a_run(const std::filesystem::path& dir) {
  std::error_code ec;
  return std::filesystem::exists(dir / "config.json", ec) || std::filesystem::exists(dir / "metrics.csv", ec);
}

void expect_not_a_run_file(const std::filesystem::path& path, std::string_view flag) {
  const std::filesystem::path target = output_target(path);
  const std::filesystem::path dir =
      target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
  const std::string name = target.filename().string();
  for (const char* run_file : kRunFiles)
    if (name == run_file && holds_a_run(dir))
      fail("{} {}: is the {} of the run in {}; valley never replaces a run's files", flag, path.string(),
           name, dir.string());
}

void expect_not_a_run_directory(const std::filesystem::path& dir, std::string_view flag) {
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec) && holds_a_run(dir))
    fail("{} {}: holds a run (its config.json or metrics.csv); write elsewhere", flag, dir.string());
}

std::string metrics_csv(const std::vector<MetricsRow>& rows) {
  std::string out = "update,seconds,train_loss,test_accuracy,test_loss,tau,loss_evals,gradient_evals,ess\n";
  for (const MetricsRow& r : rows)
    out += fmt::format("{},{},{},{},{},{},{},{},{}\n", r.update, r.seconds, r.train_loss, r.test_accuracy,
                       r.test_loss, r.tau, r.loss_evals, r.gradient_evals, r.ess);
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
  const bool created = !make_output_directory(dir_, "--out").empty();
  if (!created && !overwrite && holds_a_run(dir_))
    fail("--out {}: already holds a run (pass --overwrite to replace it)", dir_.string());
  // One writer: a second valley writing here at the same time is refused
  // before it changes anything.
  lock_ = DirectoryLock(dir_, "--out");
  if (!created) {
    // A network left by an earlier run must not pass for this run's.
    std::filesystem::remove(dir_ / kModelFile, ec);
    if (ec) fail("--out {}: cannot remove the earlier {}: {}", dir_.string(), kModelFile, ec.message());
  }
  distributed::world().barrier();
}

RunDirectory RunDirectory::resume(std::filesystem::path dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    fail("--resume {}: not a directory holding a run", dir.string());
  RunDirectory run_dir;
  if (distributed::world().is_root()) {
    run_dir.lock_ = DirectoryLock(dir, "--resume");
    for (const char* name : kRunFiles) {
      const std::filesystem::path tmp = dir / (std::string(name) + ".tmp");
      std::filesystem::remove(tmp, ec);
    }
  }
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
