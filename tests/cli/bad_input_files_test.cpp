// What valley reads, what it writes, what it never replaces
// (docs/RELIABILITY.md): outputs named onto a FIFO, a device, a symbolic
// link or a run's own files; inputs that are FIFOs or loops of links; output
// directories that hold a run, cannot be made, or hold a newline; and two
// writers of one directory. Every refusal is exit status 2 and one line,
// and leaves what stood there as it was.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <sstream>
#include <thread>

#include "reproduce/tiny_experiment.h"
#include "support/fixtures.h"
#include "support/run_command.h"
#include "support/run_files.h"
#include "support/temp_dir.h"
#include "valley/core/error.h"
#include "valley/core/files.h"

namespace valley {
namespace {

using testing::BackgroundValley;
using testing::run_valley;
using testing::TempDir;

namespace fs = std::filesystem;

class BadFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::write_synthetic_data_dir(dir_ / "data", 120, 30, 6, 6);
    // A finished run with a checkpoint: what a mistake must never touch.
    const auto made = run_valley(train_args(dir_ / "run", {"--checkpoint-every", "2"}));
    ASSERT_EQ(made.exit_status, 0) << made.err;
    run_ = testing::snapshot(dir_ / "run");
  }

  void TearDown() override {
    EXPECT_EQ(testing::snapshot(dir_ / "run"), run_) << "an existing run was changed";
  }

  std::vector<std::string> train_args(const fs::path& out, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {
        "train",     "--data", (dir_ / "data").string(), "--out", out.string(),  "--net", "36-10",
        "--updates", "4",      "--eval-every",           "2",     "--eval-size", "20",    "--no-progress"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  std::vector<std::string> eval_args(const fs::path& json) {
    return {"eval", "--model", (dir_ / "run").string(), "--json", json.string()};
  }

  std::vector<std::string> flatness_args(const fs::path& out, std::vector<std::string> extra = {},
                                         const std::string& subset = "50") {
    std::vector<std::string> args = {
        "flatness", (dir_ / "run").string(), "--quick", "--subset", subset, "--out", out.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  // Exit status 2 and one printable line naming `file` and `problem`.
  void expect_error(const std::vector<std::string>& args, const std::string& file,
                    const std::string& problem) {
    const auto result = run_valley(args);
    EXPECT_EQ(result.exit_status, 2) << result.err;
    EXPECT_EQ(result.err.rfind("valley: error: ", 0), 0u) << result.err;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
    EXPECT_NE(result.err.find(file), std::string::npos) << "does not name " << file << ": " << result.err;
    EXPECT_NE(result.err.find(problem), std::string::npos) << result.err;
  }

  TempDir dir_;
  std::map<std::string, std::string> run_;
};

TEST_F(BadFiles, EvalJsonOntoAFifoIsRefusedAndTheFifoStays) {
  const fs::path fifo = dir_ / "out.json";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  expect_error(eval_args(fifo), fifo.string(), "is not a regular file (a FIFO)");
  EXPECT_TRUE(fs::is_fifo(fs::symlink_status(fifo)));
}

TEST_F(BadFiles, EvalJsonOntoADeviceIsRefusedAndTheDeviceStays) {
  if (::geteuid() != 0) GTEST_SKIP() << "only root can make a device node (and replace one)";
  const fs::path device = dir_ / "full";
  ASSERT_EQ(::mknod(device.c_str(), S_IFCHR | 0666, makedev(1, 7)), 0);  // as /dev/full
  expect_error(eval_args(device), device.string(), "is not a regular file (a device)");
  EXPECT_TRUE(fs::is_character_file(fs::symlink_status(device)));
}

TEST_F(BadFiles, EvalJsonOntoARunsModelIsRefused) {
  for (const char* name :
       {"model.safetensors", "config.json", "checkpoint.bin", "metrics.csv", "summary.json"})
    expect_error(eval_args(dir_ / "run" / name), name, "valley never replaces a run's files");
  // Through a link too.
  fs::create_symlink(dir_ / "run" / "model.safetensors", dir_ / "link");
  expect_error(eval_args(dir_ / "link"), "link", "is the model.safetensors of the run in");
  // Beside a run, under a name of its own, is fine.
  const auto beside = run_valley(eval_args(dir_ / "run" / "eval.json"));
  EXPECT_EQ(beside.exit_status, 0) << beside.err;
  fs::remove(dir_ / "run" / "eval.json");
}

TEST_F(BadFiles, EvalJsonThroughASymbolicLinkWritesItsFileAndKeepsTheLink) {
  testing::write_bytes(dir_ / "results.json", "old");
  fs::create_symlink("results.json", dir_ / "link.json");
  const auto result = run_valley(eval_args(dir_ / "link.json"));
  ASSERT_EQ(result.exit_status, 0) << result.err;
  EXPECT_TRUE(fs::is_symlink(fs::symlink_status(dir_ / "link.json")));
  EXPECT_NE(testing::read_text(dir_ / "results.json").find("accuracy"), std::string::npos);
}

TEST_F(BadFiles, EvalOfARunWhoseConfigIsAFifoFailsInsteadOfBlocking) {
  const fs::path run = dir_ / "fifo-run";
  fs::create_directory(run);
  fs::copy_file(dir_ / "run" / "model.safetensors", run / "model.safetensors");
  ASSERT_EQ(::mkfifo((run / "config.json").c_str(), 0644), 0);
  expect_error({"eval", "--model", run.string()}, (run / "config.json").string(),
               "is not a regular file (a FIFO)");
}

TEST_F(BadFiles, ALoopOfSymbolicLinksIsSaidToBeOne) {
  fs::create_symlink("loop", dir_ / "loop");
  expect_error({"eval", "--model", (dir_ / "loop").string()}, "loop", "too many levels of symbolic links");
  expect_error(flatness_args(dir_ / "loop"), "loop", "too many levels of symbolic links");
}

TEST_F(BadFiles, FlatnessAndReproduceRefuseARunDirectoryAsOut) {
  expect_error(flatness_args(dir_ / "run"), (dir_ / "run").string(), "holds a run");
  nlohmann::json experiment = testing::tiny_experiment();
  experiment["settings"]["net"] = "36-10";
  testing::write_json(dir_ / "experiment.json", experiment);
  expect_error({"reproduce", (dir_ / "experiment.json").string(), "--out", (dir_ / "run").string(), "--data",
                (dir_ / "data").string(), "--no-progress"},
               (dir_ / "run").string(), "holds a run");
}

TEST_F(BadFiles, FlatnessThatFailsLeavesNoDirectoryBehind) {
  expect_error(flatness_args(dir_ / "new" / "flat", {}, "70000"), "--subset 70000", "hold only 120 images");
  EXPECT_FALSE(fs::exists(dir_ / "new"));
}

TEST_F(BadFiles, FlatnessOutThatCannotBeMadeSaysWhy) {
  testing::write_bytes(dir_ / "file", "x");
  expect_error(flatness_args(dir_ / "file"), "file", "exists and is not a directory");
  expect_error(flatness_args(dir_ / "file" / "flat"), "file/flat", "cannot access: Not a directory");
  expect_error(flatness_args("/proc/valley-flatness"), "/proc/valley-flatness", "cannot create directory: ");
  fs::create_directory(dir_ / "locked");
  fs::permissions(dir_ / "locked", fs::perms::owner_read | fs::perms::owner_exec);
  if (::geteuid() != 0)  // root writes anywhere
    expect_error(flatness_args(dir_ / "locked" / "flat"), "locked/flat",
                 "cannot create directory: Permission denied");
}

TEST_F(BadFiles, AnOutWithANewlineIsRefused) {
  expect_error(flatness_args(dir_ / "a\nb"), "--out", "holds a control character");
  EXPECT_FALSE(fs::exists(dir_ / "a\nb"));
}

TEST_F(BadFiles, FlatnessBetweenARunAndItselfSaysNothingOnStderr) {
  const auto result = run_valley(
      flatness_args(dir_ / "flat", {"--between", (dir_ / "run").string(), (dir_ / "run").string()}));
  ASSERT_EQ(result.exit_status, 0) << result.err;
  // Only valley's own progress lines; no message of gnuplot's.
  std::istringstream lines(result.err);
  for (std::string line; std::getline(lines, line);)
    EXPECT_EQ(line.rfind("valley flatness: ", 0), 0u) << result.err;
}

// The directory's lock, held here (this test's pid), refuses every other
// writer of the run: train --overwrite, train --resume, flatness --out.
TEST_F(BadFiles, ASecondWriterOfARunDirectoryIsRefusedNamingTheHolder) {
  {
    const DirectoryLock held(dir_ / "run", "--out");
    const std::string holder = "in use by another valley (pid " + std::to_string(::getpid());
    expect_error(train_args(dir_ / "run", {"--overwrite"}), (dir_ / "run").string(), holder);
    expect_error({"train", "--resume", (dir_ / "run").string(), "--no-progress"}, (dir_ / "run").string(),
                 holder);
    fs::create_directory(dir_ / "flat");
    const DirectoryLock flat(dir_ / "flat", "--out");
    expect_error(flatness_args(dir_ / "flat"), (dir_ / "flat").string(), holder);
    nlohmann::json experiment = testing::tiny_experiment();
    experiment["settings"]["net"] = "36-10";
    testing::write_json(dir_ / "experiment.json", experiment);
    fs::create_directory(dir_ / "report");
    const DirectoryLock report(dir_ / "report", "--out");
    expect_error({"reproduce", (dir_ / "experiment.json").string(), "--out", (dir_ / "report").string(),
                  "--data", (dir_ / "data").string(), "--no-progress"},
                 (dir_ / "report").string(), holder);
    EXPECT_FALSE(fs::exists(dir_ / "report" / "runs"));
  }
  // Released: the same directory is free again.
  const auto again = run_valley(train_args(dir_ / "other"));
  EXPECT_EQ(again.exit_status, 0) << again.err;
}

// Two valley processes: the first trains for long, the second is refused
// and names the first, and the first's files are its own.
TEST_F(BadFiles, TwoTrainingsIntoOneDirectoryTheSecondIsRefused) {
  const fs::path out = dir_ / "shared";
  std::vector<std::string> long_run = train_args(out);
  for (std::size_t i = 0; i + 1 < long_run.size(); ++i)
    if (long_run[i] == "--updates" || long_run[i] == "--eval-every") long_run[i + 1] = "100000000";
  BackgroundValley first(long_run);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!(fs::exists(out / "config.json") &&
           testing::read_text(out / ".lock").find("pid") != std::string::npos) &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const std::string config = testing::read_text(out / "config.json");
  expect_error(train_args(out, {"--overwrite", "--seed", "9"}), out.string(),
               "in use by another valley (pid " + std::to_string(first.pid()));
  EXPECT_EQ(testing::read_text(out / "config.json"), config);
  first.kill();
  first.wait();
}

}  // namespace
}  // namespace valley
