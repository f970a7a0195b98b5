// The kill test: a training run is killed with SIGKILL at random moments,
// several times, and resumed each time. After every kill no file in its
// directory may be corrupt, and the resumed run must end with exactly the
// results of a run that was never interrupted: metrics.csv equal in every
// column but `seconds` (wall time, which cannot repeat), and the final
// parameters (in the final checkpoint) equal bit for bit.
#include <gtest/gtest.h>

#include <signal.h>

#include <bit>
#include <chrono>
#include <random>
#include <thread>

#include "support/fixtures.h"
#include "support/run_command.h"
#include "support/run_files.h"
#include "support/temp_dir.h"
#include "valley/train/checkpoint.h"

namespace valley {
namespace {

using testing::BackgroundValley;
using testing::run_valley;
using testing::TempDir;

TEST(KillAndResume, EndsWithTheResultsOfAnUninterruptedRun) {
  TempDir dir;
  testing::write_synthetic_data_dir(dir / "data", 200, 40);
  const auto train_args = [&](const std::string& out) {
    return std::vector<std::string>{"train",
                                    "--data",
                                    (dir / "data").string(),
                                    "--out",
                                    (dir / out).string(),
                                    "--method",
                                    "sgld",
                                    "--sampler",
                                    "full",
                                    "--net",
                                    "784-30-10",
                                    "--samples",
                                    "100",
                                    "--updates",
                                    "60",
                                    "--eval-every",
                                    "5",
                                    "--checkpoint-every",
                                    "3",
                                    "--no-progress"};
  };
  const auto start = std::chrono::steady_clock::now();
  const auto whole = run_valley(train_args("whole"));
  ASSERT_EQ(whole.exit_status, 0) << whole.err;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  // Four kills, each after a random 5–15% of the uninterrupted run's time:
  // together they end well before the run could, so each lands while it runs.
  std::mt19937 random(20191030);
  std::uniform_real_distribution<double> fraction(0.05, 0.15);
  const std::filesystem::path run = dir / "run";
  int n_landed = 0;
  for (int kill = 1; kill <= 4; ++kill) {
    std::vector<std::string> args = train_args("run");
    if (std::filesystem::exists(run / kCheckpointFile))
      args = {"train", "--resume", run.string(), "--no-progress"};
    else if (std::filesystem::exists(run))
      args.push_back("--overwrite");  // killed before its first checkpoint: start again
    BackgroundValley valley(args);
    std::this_thread::sleep_for(std::chrono::duration<double>(fraction(random) * seconds));
    valley.kill();
    const int status = valley.wait();
    if (status == 128 + SIGKILL)
      ++n_landed;
    else
      EXPECT_EQ(status, 0) << "kill " << kill;
    if (std::filesystem::exists(run))
      testing::expect_run_files_whole(run, "after kill " + std::to_string(kill));
  }
  EXPECT_GE(n_landed, 3) << "the run ended before most kills: make it longer";
  ASSERT_TRUE(std::filesystem::exists(run / kCheckpointFile)) << "no kill came after a checkpoint";

  const auto resumed = run_valley({"train", "--resume", run.string(), "--no-progress"});
  ASSERT_EQ(resumed.exit_status, 0) << resumed.err;
  testing::expect_run_files_whole(run, "at the end", /*allow_temporaries=*/false);
  EXPECT_EQ(testing::metrics_without_seconds(testing::read_text(run / "metrics.csv")),
            testing::metrics_without_seconds(testing::read_text(dir / "whole" / "metrics.csv")));
  const Vec x = read_checkpoint(run / kCheckpointFile).x;
  const Vec x_whole = read_checkpoint(dir / "whole" / kCheckpointFile).x;
  ASSERT_EQ(x.size(), x_whole.size());
  for (Eigen::Index i = 0; i < x.size(); ++i)
    ASSERT_EQ(std::bit_cast<uint32_t>(x[i]), std::bit_cast<uint32_t>(x_whole[i])) << "parameter " << i;
  EXPECT_EQ(nlohmann::json::parse(testing::read_text(run / "summary.json"))["status"], "completed");
}

}  // namespace
}  // namespace valley
