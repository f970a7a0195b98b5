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
    std::vector<std::string> args = {"train",
                                     "--data",
                                     (dir_ / "data").string(),
                                     "--out",
                                     (dir_ / "run").string(),
                                     "--updates",
                                     "2",
                                     "--net",
                                     "784-10",
                                     "--samples",
                                     "20",
                                     "--no-progress"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
  TempDir dir_;
};

TEST_F(SamplerFlags, ProjectedCannotBeCombinedWithFreshInnerBatches) {
  const auto result =
      run_valley(train({"--method", "is", "--sampler", "projected", "--inner-batch", "fresh"}));
  EXPECT_EQ(result.exit_status, 2);
  EXPECT_NE(result.err.find("--sampler projected is exact only"), std::string::npos) << result.err;
}

TEST_F(SamplerFlags, AutoFallsBackToFullWithFreshInnerBatchesAndSaysSo) {
  const auto result = run_valley(train({"--method", "is", "--inner-batch", "fresh"}));
  ASSERT_EQ(result.exit_status, 0) << result.err;
  EXPECT_NE(result.err.find("using --sampler full"), std::string::npos) << result.err;
  EXPECT_NE(testing::read_text(dir_ / "run" / "config.json").find("\"sampler\": \"full\""),
            std::string::npos);
}

TEST_F(SamplerFlags, AutoMeansProjectedWithOneMinibatchPerUpdate) {
  const auto result = run_valley(train({"--method", "heat"}));
  ASSERT_EQ(result.exit_status, 0) << result.err;
  EXPECT_NE(testing::read_text(dir_ / "run" / "config.json").find("\"sampler\": \"projected\""),
            std::string::npos);
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
  expect_rejected({"--method", "sgld", "--sgld-chains", "0"}, "--sgld-chains must be between 1 and 4096");
  expect_rejected({"--method", "sgld", "--sgld-chains", "2", "--sampler", "projected"},
                  "--sgld-chains 2 needs --sampler full");
  expect_rejected({"--method", "is", "--sgld-chains", "2"}, "--sgld-chains does not apply to --method is");
}

// --sgld-chains C: C chains of --samples steps each (C× the gradients, as
// metrics.csv counts them), the full sampler under auto, a different mean
// than one chain; --sgld-chains 1 is the single chain of Alg. 3 exactly.
TEST_F(SamplerFlags, SgldChainsRunCChainsOfJStepsEach) {
  const auto metrics = [&](const std::vector<std::string>& extra) {
    std::filesystem::remove_all(dir_ / "run");
    const auto result = run_valley(train(extra));
    EXPECT_EQ(result.exit_status, 0) << result.err;
    return testing::read_text(dir_ / "run" / "metrics.csv");
  };
  const std::string one = metrics({"--method", "sgld", "--sampler", "full"});
  const std::string one_again = metrics({"--method", "sgld", "--sampler", "full", "--sgld-chains", "1"});
  const std::string three = metrics({"--method", "sgld", "--sgld-chains", "3"});
  EXPECT_NE(testing::read_text(dir_ / "run" / "config.json").find("\"sampler\": \"full\""),
            std::string::npos);
  const auto last_row_fields = [](const std::string& csv) {
    const std::string row = csv.substr(csv.rfind('\n', csv.size() - 2) + 1);
    std::vector<std::string> fields;
    std::size_t from = 0;
    for (std::size_t at; (at = row.find(',', from)) != std::string::npos; from = at + 1)
      fields.push_back(row.substr(from, at - from));
    fields.push_back(row.substr(from));
    return fields;
  };
  // update,seconds,train_loss,test_accuracy,test_loss,tau,loss_evals,gradient_evals,ess
  EXPECT_EQ(last_row_fields(one)[7], "20");
  EXPECT_EQ(last_row_fields(three)[7], "60");
  EXPECT_EQ(last_row_fields(one_again)[2], last_row_fields(one)[2]);
  EXPECT_NE(last_row_fields(three)[2], last_row_fields(one)[2]);
}

}  // namespace
}  // namespace valley
