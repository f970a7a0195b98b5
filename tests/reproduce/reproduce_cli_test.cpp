// `valley reproduce` as a user meets it: list, run, resume, and one-line
// errors with exit status 2.
#include <gtest/gtest.h>

#include <algorithm>

#include "reproduce/tiny_experiment.h"
#include "support/run_command.h"
#include "support/temp_dir.h"

namespace valley {
namespace {

using testing::run_valley;
using testing::TempDir;

class ReproduceCli : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::write_synthetic_data_dir(dir_ / "data", 200, 40);
    testing::write_json(dir_ / "experiments" / "tiny.json", testing::tiny_experiment());
  }

  std::vector<std::string> args(std::vector<std::string> extra) {
    std::vector<std::string> all = {"reproduce", "--experiments", (dir_ / "experiments").string()};
    all.insert(all.end(), extra.begin(), extra.end());
    return all;
  }

  void expect_rejected(const std::vector<std::string>& arguments, const std::string& needle) {
    const auto result = run_valley(arguments);
    EXPECT_EQ(result.exit_status, 2) << result.err;
    EXPECT_NE(result.err.find(needle), std::string::npos) << result.err;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
  }

  TempDir dir_;
};

TEST_F(ReproduceCli, ListsEachExperimentWithItsRunsAndTime) {
  const auto result = run_valley(args({"list", "--seeds", "5"}));
  ASSERT_EQ(result.exit_status, 0) << result.err;
  EXPECT_NE(result.out.find("tiny     2 runs × 5 seeds, 60 updates, about "), std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("A tiny experiment: SGD and IS on 784-10."), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("is on 784-10, batch 10, J = 8"), std::string::npos) << result.out;
}

TEST_F(ReproduceCli, RunsAnExperimentThenResumesIt) {
  const std::vector<std::string> run = args({"tiny", "--data", (dir_ / "data").string(), "--out",
                                             (dir_ / "out").string(), "--seeds", "2", "--no-progress"});
  const auto first = run_valley(run);
  ASSERT_EQ(first.exit_status, 0) << first.err;
  EXPECT_NE(first.out.find("[4/4] is seed 2: held-out accuracy"), std::string::npos) << first.out;
  for (const char* file : {"tiny/report.md", "tiny/runs.csv", "tiny/figure.gp", "runs/is/seed-2/metrics.csv"})
    EXPECT_TRUE(std::filesystem::exists(dir_ / "out" / file)) << file;
  const auto second = run_valley(run);
  ASSERT_EQ(second.exit_status, 0) << second.err;
  EXPECT_NE(second.out.find("[1/4] sgd seed 1: completed before, kept"), std::string::npos) << second.out;
  EXPECT_EQ(second.out.find(": training"), std::string::npos) << second.out;
}

TEST_F(ReproduceCli, RejectsMistakesInOneLine) {
  expect_rejected(args({"table9", "--out", (dir_ / "out").string()}),
                  "unknown experiment 'table9' (valid: tiny, or the path of a .json file)");
  expect_rejected(args({"tiny", "--data", (dir_ / "data").string()}), "--out DIR is required");
  expect_rejected(args({"tiny", "--out", (dir_ / "out").string(), "--seeds", "0"}), "--seeds");
  expect_rejected(args({"list", "--out", (dir_ / "out").string()}),
                  "--out does not apply to `valley reproduce list`");
  testing::write_bytes(dir_ / "broken.json", "{}");
  expect_rejected(args({(dir_ / "broken.json").string(), "--out", (dir_ / "out").string()}),
                  (dir_ / "broken.json").string() + ": missing key 'description'");
  EXPECT_FALSE(std::filesystem::exists(dir_ / "out"));
}

}  // namespace
}  // namespace valley
