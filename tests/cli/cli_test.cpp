// The command line as a user meets it: exit status 2 and one line naming the
// flag or the file for every mistake, and nothing half-written left behind.
#include <gtest/gtest.h>

#include "support/fixtures.h"
#include "support/run_command.h"
#include "support/temp_dir.h"
#include "valley/data/dataset.h"

namespace valley {
namespace {

using testing::run_valley;
using testing::TempDir;

class Cli : public ::testing::Test {
 protected:
  void SetUp() override { testing::write_synthetic_data_dir(dir_ / "data", 200, 40); }

  std::vector<std::string> train_args(std::vector<std::string> extra) {
    std::vector<std::string> args = {
        "train",     "--data", (dir_ / "data").string(), "--out", (dir_ / "run").string(),
        "--updates", "5",      "--no-progress"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  // Expects exit status 2, a one-line message that contains `needle`, and no
  // output directory.
  void expect_rejected(const std::vector<std::string>& args, const std::string& needle) {
    const auto result = run_valley(args);
    EXPECT_EQ(result.exit_status, 2) << result.err;
    EXPECT_NE(result.err.find(needle), std::string::npos) << result.err;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
    EXPECT_FALSE(std::filesystem::exists(dir_ / "run")) << "left an output directory behind";
  }

  TempDir dir_;
};

TEST_F(Cli, RejectsBadFlagsNamingTheFlag) {
  expect_rejected(train_args({"--net", "784-0-10"}), "--net");
  expect_rejected(train_args({"--net", "abc"}), "--net");
  expect_rejected(train_args({"--net", "100-10"}), "--net: the net 100-10 takes 100 inputs");
  expect_rejected(train_args({"--batch", "0"}), "--batch");
  expect_rejected(train_args({"--updates", "-1"}), "--updates");
  expect_rejected(train_args({"--lr", "nan"}), "--lr");
  expect_rejected(train_args({"--lr", "-0.1"}), "--lr");
  expect_rejected(train_args({"--threads", "0"}), "--threads");
  expect_rejected(train_args({"--method", "adam"}), "--method");
  expect_rejected(train_args({"--inner-batch", "sometimes"}), "--inner-batch");
  expect_rejected(train_args({"--updates", "ten"}), "--updates");
  expect_rejected({"train", "--data", (dir_ / "data").string()}, "--out");
}

TEST_F(Cli, RejectsBadMethodSettingsNamingTheFlag) {
  expect_rejected(train_args({"--method", "sgld", "--tau", "0"}), "--tau must be");
  expect_rejected(train_args({"--method", "is", "--tau", "-1"}), "--tau must be");
  expect_rejected(train_args({"--method", "is", "--samples", "0"}), "--samples");
  expect_rejected(train_args({"--method", "heat", "--rm-alpha", "0.4"}), "--rm-alpha must lie in (1/2, 1]");
  expect_rejected(train_args({"--method", "sgld", "--eps0", "-1"}), "--eps0");
  expect_rejected(train_args({"--method", "sgld", "--tau-schedule", "cosine"}), "--tau-schedule");
  expect_rejected(train_args({"--method", "heat", "--samples", "100", "--rm-iters", "5"}), "--samples");
  // A flag that the chosen method would ignore is a mistake, not a no-op.
  expect_rejected(train_args({"--method", "is", "--eps0", "2000"}), "--eps0 does not apply to --method is");
  expect_rejected(train_args({"--tau", "0.1"}), "--tau does not apply to --method sgd");
}

TEST_F(Cli, DivergingRunNamesTheUpdateAndMethod) {
  const auto result =
      run_valley(train_args({"--method", "sgld", "--net", "784-10", "--samples", "5", "--tau", "1e-30"}));
  EXPECT_EQ(result.exit_status, 2) << result.err;
  EXPECT_NE(result.err.find("valley: error: update 1: method sgld"), std::string::npos) << result.err;
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
}

TEST_F(Cli, RejectsMalformedDataNamingTheFile) {
  const auto images = dir_ / "data" / kTrainImages;
  const std::string bytes = testing::read_text(images);
  testing::write_bytes(images, bytes.substr(0, bytes.size() - 100));
  expect_rejected(train_args({}), images.string() + ": header declares");
}

TEST_F(Cli, RejectsMissingDataDirectory) {
  expect_rejected({"train", "--data", (dir_ / "nowhere").string(), "--out", (dir_ / "run").string()},
                  "nowhere: data directory not found");
}

TEST_F(Cli, TrainsAndWritesResults) {
  const auto result = run_valley(train_args({"--net", "784-10", "--eval-every", "5"}));
  ASSERT_EQ(result.exit_status, 0) << result.err;
  EXPECT_NE(result.out.find("held-out acc"), std::string::npos) << result.out;
  EXPECT_TRUE(std::filesystem::exists(dir_ / "run" / "metrics.csv"));
  // A second run into the same directory must not replace the first silently.
  const auto again = run_valley(train_args({"--net", "784-10"}));
  EXPECT_EQ(again.exit_status, 2);
  EXPECT_NE(again.err.find("already holds a run"), std::string::npos) << again.err;
}

TEST_F(Cli, HelpExplainsTheFlags) {
  const auto result = run_valley({"train", "--help"});
  EXPECT_EQ(result.exit_status, 0);
  for (const char* flag : {"--method", "--net", "--updates", "--batch", "--lr", "--data", "--test-data",
                           "--eval-every", "--eval-size", "--seed", "--threads", "--out"})
    EXPECT_NE(result.out.find(flag), std::string::npos) << flag;
}

TEST_F(Cli, DataInfoCountsEachClass) {
  const auto result = run_valley({"data", "info", "--data", (dir_ / "data").string()});
  ASSERT_EQ(result.exit_status, 0) << result.err;
  EXPECT_NE(result.out.find("train: 200 images of 28x28"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("0:20 1:20"), std::string::npos) << result.out;
}

}  // namespace
}  // namespace valley
