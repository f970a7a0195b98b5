// --sampler and --sgld-noise as a user meets them.
#include <gtest/gtest.h>

#include "support/fixtures.h"
#include "support/run_command.h"
#include "support/temp_dir.h"

namespace valley {
namespace {

using testing::run_valley;
using testing::TempDir;

class SamplerFlags : public ::testing::Test {
 protected:
  void SetUp() override { testing::write_synthetic_data_dir(dir_ / "data", 200, 40); }
  std::vector<std::string> train(std::vector<std::string> extra) {
    std::vector<std::string> args = {"train", "--data", (dir_ / "data").string(), "--out",
                                     (dir_ / "run").string(), "--updates", "2", "--net", "784-10",
                                     "--samples", "20", "--no-progress"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
  TempDir dir_;
};

TEST_F(SamplerFlags, ProjectedCannotBeCombinedWithFreshInnerBatches) {
  const auto result = run_valley(train({"--method", "is", "--sampler", "projected", "--inner-batch", "fresh"}));
  EXPECT_EQ(result.exit_status, 2);
  EXPECT_NE(result.err.find("--sampler projected is exact only"), std::string::npos) << result.err;
}

TEST_F(SamplerFlags, AutoFallsBackToFullWithFreshInnerBatchesAndSaysSo) {
  const auto result = run_valley(train({"--method", "is", "--inner-batch", "fresh"}));
  ASSERT_EQ(result.exit_status, 0) << result.err;
  EXPECT_NE(result.err.find("using --sampler full"), std::string::npos) << result.err;
  EXPECT_NE(testing::read_text(dir_ / "run" / "config.json").find("\"sampler\": \"full\""), std::string::npos);
}

TEST_F(SamplerFlags, AutoMeansProjectedWithOneMinibatchPerUpdate) {
  const auto result = run_valley(train({"--method", "heat"}));
  ASSERT_EQ(result.exit_status, 0) << result.err;
  EXPECT_NE(testing::read_text(dir_ / "run" / "config.json").find("\"sampler\": \"projected\""), std::string::npos);
}

TEST_F(SamplerFlags, RejectsUnknownValuesAndFlagsTheMethodIgnores) {
  auto expect_rejected = [&](const std::vector<std::string>& args, const std::string& needle) {
    const auto result = run_valley(train(args));
    EXPECT_EQ(result.exit_status, 2) << result.err;
    EXPECT_NE(result.err.find(needle), std::string::npos) << result.err;
  };
  expect_rejected({"--method", "is", "--sampler", "partial"}, "--sampler must be");
  expect_rejected({"--method", "sgld", "--sgld-noise", "loud"}, "--sgld-noise must be");
  expect_rejected({"--method", "is", "--sgld-noise", "stddev"}, "--sgld-noise does not apply to --method is");
}

}  // namespace
}  // namespace valley
