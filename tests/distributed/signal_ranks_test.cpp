// A stop signal under mpirun (docs/DISTRIBUTED.md, docs/RELIABILITY.md
// "Signals"): SIGINT to one rank of two only. The ranks agree after every
// update whether any of them got a signal, so both stop after the same update
// and neither waits for the other: the job ends within seconds with status
// 130 and one line, its files whole and its checkpoint that of the update it
// stopped after; resumed by one process, it ends exactly as a run that was
// never interrupted.
#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "support/fixtures.h"
#include "support/run_command.h"
#include "support/run_files.h"
#include "support/temp_dir.h"
#include "valley/train/checkpoint.h"

namespace valley {
namespace {

namespace fs = std::filesystem;
using testing::run_valley;
using testing::TempDir;

// As in ranks_test.cpp: Open MPI as root, oversubscribed, in a container.
const bool kOpenMpiSettings = [] {
  ::setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 0);
  ::setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 0);
  ::setenv("OMPI_MCA_rmaps_base_oversubscribe", "1", 0);
  ::setenv("OMPI_MCA_btl_vader_single_copy_mechanism", "none", 0);
  return true;
}();

std::vector<std::string> mpirun(int ranks) {
  std::vector<std::string> words = {VALLEY_MPIEXEC, VALLEY_MPIEXEC_NUMPROC_FLAG, std::to_string(ranks)};
  std::istringstream preflags(VALLEY_MPIEXEC_PREFLAGS);
  for (std::string word; preflags >> word;) words.push_back(word);
  return words;
}

// The ids of the valley processes (not mpirun) whose command line names `needle`.
std::vector<pid_t> valley_ranks(const std::string& needle) {
  std::vector<pid_t> pids;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "cmdline", std::ios::binary);
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string first = cmdline.substr(0, cmdline.find('\0'));
    if (first == VALLEY_BINARY && cmdline.find(needle) != std::string::npos)
      pids.push_back(static_cast<pid_t>(std::stol(name)));
  }
  std::sort(pids.begin(), pids.end());
  return pids;
}

TEST(StopSignalOverRanks, OneRanksSignalStopsBothAfterTheSameUpdate) {
  TempDir dir;
  testing::write_synthetic_data_dir(dir / "data", 200, 40);
  const auto args = [&](const std::string& out) {
    return std::vector<std::string>{"train",
                                    "--data",
                                    (dir / "data").string(),
                                    "--out",
                                    (dir / out).string(),
                                    "--net",
                                    "784-30-10",
                                    "--method",
                                    "sgld",
                                    "--sampler",
                                    "full",
                                    "--samples",
                                    "20",
                                    "--updates",
                                    "300",
                                    "--eval-every",
                                    "5",
                                    "--eval-size",
                                    "30",
                                    "--threads",
                                    "1",
                                    "--checkpoint-every",
                                    "7",
                                    "--no-progress"};
  };
  const fs::path run = dir / "run";
  testing::RunOptions options;
  options.launcher = mpirun(2);
  auto job = std::async(std::launch::async, [&] { return run_valley(args("run"), options); });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  int64_t n_done = 0;
  while (n_done < 7 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    try {
      n_done = read_checkpoint(run / kCheckpointFile).n_done;
    } catch (const std::exception&) {
    }
  }
  ASSERT_GE(n_done, 7) << "no checkpoint within a minute";
  const std::vector<pid_t> ranks = valley_ranks(run.string());
  ASSERT_EQ(ranks.size(), 2u);
  ::kill(ranks.back(), SIGINT);  // one rank only: the other learns of it by the agreement
  const auto sent = std::chrono::steady_clock::now();
  ASSERT_EQ(job.wait_for(std::chrono::seconds(60)), std::future_status::ready) << "the job hangs";
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - sent).count(), 15.0);
  const testing::CommandResult ended = job.get();
  EXPECT_EQ(ended.exit_status, 128 + SIGINT) << ended.err;
  EXPECT_EQ(std::count(ended.err.begin(), ended.err.end(), '\n'), 1) << ended.err;
  EXPECT_NE(ended.err.find("interrupted by SIGINT after update"), std::string::npos) << ended.err;
  testing::expect_run_files_whole(run, "after the signal", /*allow_temporaries=*/false);
  const nlohmann::json summary = nlohmann::json::parse(testing::read_text(run / "summary.json"));
  EXPECT_EQ(summary["status"], "interrupted");
  const int64_t done = summary["updates_done"].get<int64_t>();
  ASSERT_LT(done, 300) << "the run ended before the signal";
  EXPECT_EQ(read_checkpoint(run / kCheckpointFile).n_done, done);

  const auto resumed = run_valley({"train", "--resume", run.string(), "--no-progress"});
  ASSERT_EQ(resumed.exit_status, 0) << resumed.err;
  const auto alone = run_valley(args("alone"));
  ASSERT_EQ(alone.exit_status, 0) << alone.err;
  EXPECT_EQ(testing::metrics_without_seconds(testing::read_text(run / "metrics.csv")),
            testing::metrics_without_seconds(testing::read_text(dir / "alone" / "metrics.csv")));
  const Vec x = read_checkpoint(run / kCheckpointFile).x,
            x_alone = read_checkpoint(dir / "alone" / kCheckpointFile).x;
  EXPECT_TRUE(x == x_alone) << "final parameters differ";
}

}  // namespace
}  // namespace valley
