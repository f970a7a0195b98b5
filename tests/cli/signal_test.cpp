// The signal tests: `valley train` stopped by SIGINT, SIGTERM or SIGHUP once
// it has started. The first signal stops it after the update under way: exit
// status 128 + the signal, one line on stderr, summary.json "interrupted",
// every file whole and no temporary left, and `--resume` ends with exactly
// the results of a run that was never interrupted. A second signal ends it at
// once, and the run still resumes. `valley flatness` stops before its next
// part and writes nothing. docs/RELIABILITY.md, "Signals".
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/fixtures.h"
#include "support/run_command.h"
#include "support/run_files.h"
#include "support/temp_dir.h"
#include "valley/model/model_file.h"
#include "valley/train/checkpoint.h"

namespace valley {
namespace {

using testing::read_text;
using testing::run_valley;
using testing::TempDir;
using Clock = std::chrono::steady_clock;

// valley in the background, its standard error (and, if named, its
// standard output) kept in a file.
class Started {
 public:
  Started(const std::vector<std::string>& args, const std::filesystem::path& err_file,
          const std::filesystem::path& out_file = "/dev/null") {
    pid_ = ::fork();
    if (pid_ == 0) {
      // As from a terminal: the signals' default actions (a shell's
      // background job would start with SIGINT ignored, which valley keeps).
      for (const int signal : {SIGINT, SIGTERM, SIGHUP}) ::signal(signal, SIG_DFL);
      sigset_t none;
      sigemptyset(&none);
      ::sigprocmask(SIG_SETMASK, &none, nullptr);
      const int null_fd = ::open("/dev/null", O_RDWR);
      const int err_fd = ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int out_fd = ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(null_fd, STDIN_FILENO);
      ::dup2(out_fd, STDOUT_FILENO);
      ::dup2(err_fd, STDERR_FILENO);
      std::vector<std::string> words = {VALLEY_BINARY};
      words.insert(words.end(), args.begin(), args.end());
      std::vector<char*> argv;
      for (std::string& w : words) argv.push_back(w.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
  }
  ~Started() {
    if (!status_) {
      ::kill(pid_, SIGKILL);
      wait();
    }
  }
  Started(const Started&) = delete;
  Started& operator=(const Started&) = delete;

  void send(int signal) const { ::kill(pid_, signal); }
  bool running() {
    if (status_) return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) status_ = decode(status);
    return !status_;
  }
  // The exit status, or 128 + the signal that ended it.
  int wait() {
    if (!status_) {
      int status = 0;
      ::waitpid(pid_, &status, 0);
      status_ = decode(status);
    }
    return *status_;
  }

 private:
  static int decode(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }
  pid_t pid_ = -1;
  std::optional<int> status_;
};

int64_t count_lines(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) return 0;
  const std::string text = read_text(file);
  return static_cast<int64_t>(std::count(text.begin(), text.end(), '\n'));
}

// Waits until metrics.csv of `run` holds a row after update 0 (the header and
// two rows): the training is under way.
void wait_for_first_row(const std::filesystem::path& run, Started& valley) {
  const auto deadline = Clock::now() + std::chrono::seconds(120);
  while (count_lines(run / "metrics.csv") < 3) {
    ASSERT_TRUE(valley.running()) << "valley ended before its first metrics row";
    ASSERT_LT(Clock::now(), deadline) << "no metrics row after 120 s";
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

std::vector<std::string> temporaries(const std::filesystem::path& dir) {
  std::vector<std::string> found;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir))
    if (entry.path().extension() == ".tmp") found.push_back(entry.path().filename().string());
  return found;
}

void expect_same_parameters(const Vec& x, const Vec& x_whole, const std::string& what) {
  ASSERT_EQ(x.size(), x_whole.size()) << what;
  for (Eigen::Index i = 0; i < x.size(); ++i)
    ASSERT_EQ(std::bit_cast<uint32_t>(x[i]), std::bit_cast<uint32_t>(x_whole[i]))
        << what << ": parameter " << i;
}

class StopSignal : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override { testing::write_synthetic_data_dir(dir_ / "data", 200, 40); }

  // Many short updates: a run of several seconds that a signal stops within
  // milliseconds of its arrival.
  std::vector<std::string> train_args(const std::string& out) const {
    return {"train",
            "--data",
            (dir_ / "data").string(),
            "--out",
            (dir_ / out).string(),
            "--method",
            "sgld",
            "--sampler",
            "full",
            "--net",
            "784-30-10",
            "--samples",
            "20",
            "--updates",
            "400",
            "--eval-every",
            "5",
            "--checkpoint-every",
            "7",
            "--no-progress"};
  }

  TempDir dir_;
};

TEST_P(StopSignal, FirstSignalStopsWithWholeFilesAndTheRunResumesToTheSameResults) {
  const int signal = GetParam();
  const std::filesystem::path run = dir_ / "run";
  Clock::time_point sent;
  {
    Started valley(train_args("run"), dir_ / "stderr");
    wait_for_first_row(run, valley);
    sent = Clock::now();
    valley.send(signal);
    EXPECT_EQ(valley.wait(), 128 + signal);
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - sent).count();
  EXPECT_LT(seconds, 5.0) << "the run took this long to stop";
  const std::string err = read_text(dir_ / "stderr");
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_NE(err.find("valley: --out " + run.string() + ": interrupted by SIG"), std::string::npos) << err;
  EXPECT_NE(err.find("--resume"), std::string::npos) << err;

  // Whole files, no temporary, and a summary that says what happened.
  EXPECT_EQ(temporaries(run), std::vector<std::string>{});
  testing::expect_run_files_whole(run, "after the signal", /*allow_temporaries=*/false);
  const nlohmann::json summary = nlohmann::json::parse(read_text(run / "summary.json"));
  EXPECT_EQ(summary["status"], "interrupted");
  const int64_t done = summary["updates_done"].get<int64_t>();
  EXPECT_GE(done, 5);
  EXPECT_LT(done, 400) << "the signal came after the end: make the run longer";
  // The state of the last update is saved, checkpoint and model alike.
  EXPECT_EQ(summary["last_checkpoint"], done);
  EXPECT_EQ(read_checkpoint(run / kCheckpointFile).n_done, done);
  EXPECT_EQ(load_model(run).metadata.at("updates"), std::to_string(done));

  const auto resumed = run_valley({"train", "--resume", run.string(), "--no-progress"});
  ASSERT_EQ(resumed.exit_status, 0) << resumed.err;
  const auto whole = run_valley(train_args("whole"));
  ASSERT_EQ(whole.exit_status, 0) << whole.err;
  testing::expect_run_files_whole(run, "at the end", /*allow_temporaries=*/false);
  EXPECT_EQ(nlohmann::json::parse(read_text(run / "summary.json"))["status"], "completed");
  EXPECT_EQ(testing::metrics_without_seconds(read_text(run / "metrics.csv")),
            testing::metrics_without_seconds(read_text(dir_ / "whole" / "metrics.csv")));
  expect_same_parameters(read_checkpoint(run / kCheckpointFile).x,
                         read_checkpoint(dir_ / "whole" / kCheckpointFile).x, "checkpoint");
  expect_same_parameters(load_model(run).x, load_model(dir_ / "whole").x, "model.safetensors");
}

INSTANTIATE_TEST_SUITE_P(Signals, StopSignal, ::testing::Values(SIGINT, SIGTERM, SIGHUP),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return info.param == SIGINT    ? std::string("SIGINT")
                                  : info.param == SIGTERM ? std::string("SIGTERM")
                                                          : std::string("SIGHUP");
                         });

// Without --checkpoint-every the run cannot be resumed, but the model of its
// last update is written as the end of a run writes it.
TEST(StopSignalWithoutCheckpoints, WritesTheModelOfTheLastUpdate) {
  TempDir dir;
  testing::write_synthetic_data_dir(dir / "data", 200, 40);
  const std::filesystem::path run = dir / "run";
  {
    Started valley({"train", "--data", (dir / "data").string(), "--out", run.string(), "--method", "sgld",
                    "--sampler", "full", "--net", "784-30-10", "--samples", "20", "--updates", "400",
                    "--eval-every", "5", "--no-progress"},
                   dir / "stderr");
    wait_for_first_row(run, valley);
    valley.send(SIGINT);
    EXPECT_EQ(valley.wait(), 128 + SIGINT);
  }
  EXPECT_EQ(temporaries(run), std::vector<std::string>{});
  testing::expect_run_files_whole(run, "after the signal", /*allow_temporaries=*/false);
  const nlohmann::json summary = nlohmann::json::parse(read_text(run / "summary.json"));
  EXPECT_EQ(summary["status"], "interrupted");
  EXPECT_EQ(summary["model_update"], summary["updates_done"]);
  EXPECT_EQ(load_model(run).metadata.at("updates"), summary["updates_done"].dump());
}

// A second signal, while the first waits for a long update to end, ends the
// process at once; what it leaves is whole (or a temporary that --resume
// removes), and --resume completes the run.
TEST(SecondStopSignal, EndsAtOnceAndTheRunStillResumes) {
  TempDir dir;
  testing::write_synthetic_data_dir(dir / "data", 200, 40);
  const std::filesystem::path run = dir / "run";
  // Updates of a second or so: SGLD with many samples.
  const std::vector<std::string> args = {"train",
                                         "--data",
                                         (dir / "data").string(),
                                         "--out",
                                         run.string(),
                                         "--method",
                                         "sgld",
                                         "--sampler",
                                         "full",
                                         "--net",
                                         "784-30-10",
                                         "--samples",
                                         "20000",
                                         "--updates",
                                         "3",
                                         "--eval-every",
                                         "1",
                                         "--checkpoint-every",
                                         "1",
                                         "--no-progress"};
  {
    Started valley(args, dir / "stderr");
    // Once update 1 is saved (its checkpoint, then its model), update 2 runs.
    const auto deadline = Clock::now() + std::chrono::seconds(120);
    for (int64_t n_done = 0; n_done < 1;) {
      ASSERT_TRUE(valley.running()) << read_text(dir / "stderr");
      ASSERT_LT(Clock::now(), deadline);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      try {
        n_done = read_checkpoint(run / kCheckpointFile).n_done;
      } catch (const std::exception&) {
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    valley.send(SIGINT);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    valley.send(SIGINT);
    const auto sent = Clock::now();
    EXPECT_EQ(valley.wait(), 128 + SIGINT);
    EXPECT_LT(std::chrono::duration<double>(Clock::now() - sent).count(), 0.5);
  }
  // Ended by the second signal: no summary written for the first.
  EXPECT_FALSE(std::filesystem::exists(run / "summary.json")) << read_text(run / "summary.json");
  testing::expect_run_files_whole(run, "after the second signal");
  const auto resumed = run_valley({"train", "--resume", run.string(), "--no-progress"});
  ASSERT_EQ(resumed.exit_status, 0) << resumed.err;
  testing::expect_run_files_whole(run, "at the end", /*allow_temporaries=*/false);
  EXPECT_EQ(nlohmann::json::parse(read_text(run / "summary.json"))["status"], "completed");
}

// An update that runs for many seconds is dropped about a second after the
// signal (sampling/stop_point.h); the run keeps the files of update 0.
TEST(LongUpdateStopSignal, DropsTheUpdateAboutASecondAfterTheSignal) {
  TempDir dir;
  testing::write_synthetic_data_dir(dir / "data", 200, 40);
  const std::filesystem::path run = dir / "run";
  {
    // One update of a million SGLD steps: many minutes.
    Started valley({"train", "--data", (dir / "data").string(), "--out", run.string(), "--method", "sgld",
                    "--sampler", "full", "--net", "784-30-10", "--samples", "1000000", "--updates", "2",
                    "--checkpoint-every", "1", "--no-progress"},
                   dir / "stderr");
    const auto deadline = Clock::now() + std::chrono::seconds(120);
    while (!std::filesystem::exists(run / kCheckpointFile)) {  // update 0's: the update has begun
      ASSERT_TRUE(valley.running()) << read_text(dir / "stderr");
      ASSERT_LT(Clock::now(), deadline);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const auto sent = Clock::now();
    valley.send(SIGINT);
    EXPECT_EQ(valley.wait(), 128 + SIGINT);
    const double seconds = std::chrono::duration<double>(Clock::now() - sent).count();
    EXPECT_GE(seconds, 0.9);
    EXPECT_LT(seconds, 5.0);
  }
  const std::string err = read_text(dir / "stderr");
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_NE(err.find("interrupted by SIGINT during update 1, which is dropped (the checkpoint of update 0 "
                     "is kept)"),
            std::string::npos)
      << err;
  EXPECT_EQ(temporaries(run), std::vector<std::string>{});
  testing::expect_run_files_whole(run, "after the signal", /*allow_temporaries=*/false);
  const nlohmann::json summary = nlohmann::json::parse(read_text(run / "summary.json"));
  EXPECT_EQ(summary["status"], "interrupted");
  EXPECT_EQ(summary["updates_done"], 0);
  EXPECT_EQ(summary["last_checkpoint"], 0);
  EXPECT_EQ(read_checkpoint(run / kCheckpointFile).n_done, 0);
}

// `valley flatness` stops at its next evaluation: one line, exit status 130,
// and no file of its results.
TEST(FlatnessStopSignal, StopsAndWritesNothing) {
  TempDir dir;
  testing::write_synthetic_data_dir(dir / "data", 2000, 40);
  const auto trained =
      run_valley({"train", "--data", (dir / "data").string(), "--out", (dir / "run").string(), "--net",
                  "784-100-10", "--updates", "2", "--no-progress"});
  ASSERT_EQ(trained.exit_status, 0) << trained.err;
  const std::filesystem::path out = dir / "flat";
  {
    Started valley({"flatness", (dir / "run").string(), "--out", out.string(), "--subset", "all"},
                   dir / "stderr");
    // Under way once it has created its directory (after every check).
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    while (!std::filesystem::exists(out)) {
      ASSERT_TRUE(valley.running()) << read_text(dir / "stderr");
      ASSERT_LT(Clock::now(), deadline);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    valley.send(SIGINT);
    EXPECT_EQ(valley.wait(), 128 + SIGINT) << read_text(dir / "stderr");
  }
  // (Its stderr also holds a line per run measured.)
  const std::string err = read_text(dir / "stderr");
  const std::string last = "valley: --out " + out.string() + ": interrupted by SIGINT; nothing was written\n";
  ASSERT_GE(err.size(), last.size()) << err;
  EXPECT_EQ(err.substr(err.size() - last.size()), last) << err;
  EXPECT_EQ(err.find("valley:"), err.size() - last.size()) << err;
  EXPECT_FALSE(std::filesystem::exists(out / "flatness.json"));
}

// `valley reproduce` stops the training under way as `train` does (its
// summary.json: interrupted) and writes no report.
TEST(ReproduceStopSignal, StopsItsTrainingAndWritesNoReport) {
  TempDir dir;
  testing::write_synthetic_data_dir(dir / "data", 200, 40);
  std::filesystem::create_directories(dir / "experiments");
  testing::write_bytes(dir / "experiments" / "long.json", R"({
    "description": "One long SGLD training.",
    "settings": {"net": "784-30-10", "updates": 5000, "eval-every": 5, "eval-size": 30},
    "runs": [{"name": "sgld", "label": "SGLD", "settings": {"method": "sgld", "samples": 20, "sampler": "full"}}],
    "table": {"kind": "accuracy", "at_updates": [5000], "paper": {"sgld": [0.5]}},
    "figure": {"title": "long", "panels": [{"title": "SGLD", "runs": ["sgld"]}]}
  })");
  const std::filesystem::path out = dir / "rep";
  const std::filesystem::path run = out / "runs" / "sgld" / "seed-1";
  {
    Started valley({"reproduce", "long", "--experiments", (dir / "experiments").string(), "--data",
                    (dir / "data").string(), "--out", out.string(), "--seeds", "1", "--no-progress"},
                   dir / "stderr");
    wait_for_first_row(run, valley);
    valley.send(SIGTERM);
    EXPECT_EQ(valley.wait(), 128 + SIGTERM) << read_text(dir / "stderr");
  }
  const std::string err = read_text(dir / "stderr");
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_NE(
      err.find("valley: --out " + out.string() + ": interrupted by SIGTERM; the report was not written"),
      std::string::npos)
      << err;
  testing::expect_run_files_whole(run, "after the signal", /*allow_temporaries=*/false);
  EXPECT_EQ(nlohmann::json::parse(read_text(run / "summary.json"))["status"], "interrupted");
  for (const auto& entry : std::filesystem::recursive_directory_iterator(out))
    EXPECT_NE(entry.path().extension(), ".md") << entry.path();
}

// `valley eval` stops before it prints or writes its results.
TEST(EvalStopSignal, WritesNothing) {
  TempDir dir;
  testing::write_synthetic_data_dir(dir / "data", 20000, 40);
  const auto trained =
      run_valley({"train", "--data", (dir / "data").string(), "--out", (dir / "run").string(), "--net",
                  "784-1000-10", "--updates", "1", "--no-progress"});
  ASSERT_EQ(trained.exit_status, 0) << trained.err;
  const std::filesystem::path json = dir / "eval.json";
  {
    // A wide net on 20,000 images: seconds of evaluation.
    Started valley({"eval", "--model", (dir / "run").string(), "--split", "train", "--threads", "1", "--json",
                    json.string()},
                   dir / "stderr", dir / "stdout");
    // Its first lines come once the model and the data are loaded.
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    while (read_text(dir / "stdout").find("  data ") == std::string::npos) {
      ASSERT_TRUE(valley.running()) << read_text(dir / "stderr");
      ASSERT_LT(Clock::now(), deadline);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    valley.send(SIGTERM);
    EXPECT_EQ(valley.wait(), 128 + SIGTERM) << read_text(dir / "stderr");
  }
  EXPECT_EQ(read_text(dir / "stderr"),
            "valley: --model " + (dir / "run").string() + ": interrupted by SIGTERM; nothing was written\n");
  EXPECT_FALSE(std::filesystem::exists(json));
  EXPECT_EQ(temporaries(dir.path()), std::vector<std::string>{});
}

}  // namespace
}  // namespace valley
