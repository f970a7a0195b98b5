// The flags of sam, entropy-sgd, the base optimizer and --covariance as a
// user meets them: one-line errors naming the flag, and the files a run adds.
#include <algorithm>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/fixtures.h"
#include "support/run_command.h"
#include "support/run_files.h"
#include "support/temp_dir.h"

namespace valley {
namespace {

using testing::run_valley;
using testing::TempDir;

class AnchorFlags : public ::testing::Test {
 protected:
  void SetUp() override { testing::write_synthetic_data_dir(dir_ / "data", 200, 40); }
  std::vector<std::string> train(std::vector<std::string> extra) {
    std::vector<std::string> args = {
        "train", "--data", (dir_ / "data").string(), "--out", (dir_ / "run").string(), "--updates", "2",
        "--net", "784-10", "--no-progress"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
  void expect_rejected(const std::vector<std::string>& extra, const std::string& needle) {
    const auto result = run_valley(train(extra));
    EXPECT_EQ(result.exit_status, 2) << result.err;
    EXPECT_NE(result.err.find(needle), std::string::npos) << result.err;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
    EXPECT_FALSE(std::filesystem::exists(dir_ / "run")) << "left an output directory behind";
  }
  TempDir dir_;
};

TEST_F(AnchorFlags, RejectsImpossibleValuesNamingTheFlag) {
  expect_rejected({"--method", "sam", "--rho", "-0.1"}, "--rho must be");
  expect_rejected({"--method", "sam", "--rho", "nan"}, "--rho must be");
  expect_rejected({"--method", "entropy-sgd", "--L", "0"}, "--L (Langevin steps) must be");
  expect_rejected({"--method", "entropy-sgd", "--beta1", "1"}, "--beta1 must lie in [0, 1)");
  expect_rejected({"--method", "entropy-sgd", "--beta1", "-0.5"}, "--beta1 must lie in [0, 1)");
  expect_rejected({"--method", "entropy-sgd", "--gamma0", "0"}, "--gamma0 must be");
  expect_rejected({"--method", "entropy-sgd", "--noise", "-1"}, "--noise must be");
  expect_rejected({"--method", "entropy-sgd", "--inner-lr", "0"}, "--inner-lr must be");
  expect_rejected({"--momentum", "1"}, "--momentum must lie in [0, 1)");
  expect_rejected({"--momentum", "-0.1"}, "--momentum must lie in [0, 1)");
  expect_rejected({"--nesterov"}, "--nesterov needs a momentum");
  expect_rejected({"--weight-decay", "-1"}, "--weight-decay must be");
  expect_rejected({"--lr-drops", "0"}, "--lr-drops: every update must be ≥ 1");
  expect_rejected({"--lr-drops", "5", "--lr-drop-factor", "2"}, "--lr-drop-factor must lie in (0, 1]");
  expect_rejected({"--lr-drop-epochs", "0"}, "--lr-drop-epochs: every epoch must be between 1 and 10^6");
  expect_rejected({"--lr-drop-epochs", "1,x"}, "--lr-drop-epochs");
  expect_rejected({"--lr-drops", "5", "--lr-drop-epochs", "1"},
                  "give the drops in updates or in epochs, not both");
  expect_rejected({"--method", "is", "--covariance", "full"}, "--covariance must be 'iso' or 'diag'");
  expect_rejected({"--method", "is", "--covariance", "diag", "--sampler", "projected"},
                  "--covariance diag needs --sampler full");
  expect_rejected({"--method", "sgld", "--covariance", "diag", "--sampler", "projected"},
                  "--covariance diag needs --sampler full");
  expect_rejected({"--method", "sgld", "--covariance", "diag", "--eta", "0.1"}, "takes no --eta");
  expect_rejected({"--method", "is", "--covariance", "diag", "--tau-min", "0.1", "--tau-max", "0.01"},
                  "--tau-min 0.1 is larger than --tau-max 0.01");
  expect_rejected({"--method", "is", "--covariance", "diag", "--tau-schedule", "scoping"},
                  "takes no --tau-schedule");
}

TEST_F(AnchorFlags, RejectsFlagsTheMethodIgnores) {
  expect_rejected({"--method", "sgd", "--rho", "0.1"}, "--rho does not apply to --method sgd");
  expect_rejected({"--method", "sgd", "--adaptive"}, "--adaptive does not apply to --method sgd");
  expect_rejected({"--method", "sam", "--L", "5"}, "--L does not apply to --method sam");
  expect_rejected({"--method", "sgld", "--gamma0", "0.1"}, "--gamma0 does not apply to --method sgld");
  expect_rejected({"--method", "is", "--momentum", "0.9"}, "--momentum does not apply to --method is");
  expect_rejected({"--method", "heat", "--weight-decay", "0.1"}, "--weight-decay does not apply");
  expect_rejected({"--method", "sgld", "--lr-drop-epochs", "1"},
                  "--lr-drop-epochs does not apply to --method sgld");
  expect_rejected({"--method", "heat", "--covariance", "diag"},
                  "--covariance does not apply to --method heat");
  expect_rejected({"--method", "is", "--tau-min", "0.001"},
                  "--tau-min clips the variances of --covariance diag");
}

TEST_F(AnchorFlags, EntropySgdDrawsFreshMinibatchesAndLogsItsDiagnostics) {
  const auto result = run_valley(train({"--method", "entropy-sgd", "--L", "2", "--eval-every", "1"}));
  ASSERT_EQ(result.exit_status, 0) << result.err;
  const std::string config = testing::read_text(dir_ / "run" / "config.json");
  EXPECT_NE(config.find("\"inner_batch\": \"fresh\""), std::string::npos);
  EXPECT_NE(config.find("\"momentum\": 0.9"), std::string::npos) << "the reference's default";
  const std::string diagnostics = testing::read_text(dir_ / "run" / "entropy_sgd.csv");
  EXPECT_EQ(diagnostics.rfind("update,gamma,drift\n1,0.0001,", 0), 0u) << diagnostics;
  EXPECT_NE(diagnostics.find("\n2,0.0001001,"), std::string::npos) << diagnostics;
  // two gradients per update, and one more for the outer buffer at the start
  const std::string metrics = testing::read_text(dir_ / "run" / "metrics.csv");
  EXPECT_NE(metrics.find(",3,"), std::string::npos) << metrics;
}

// 200 training images in minibatches of 20: an epoch is 10 updates of SGD.
TEST_F(AnchorFlags, LrDropEpochsIsLrDropsAtTheEpochsFirstUpdateBitForBit) {
  const auto metrics = [&](const std::string& run, std::vector<std::string> extra) {
    std::vector<std::string> args = {"train",
                                     "--data",
                                     (dir_ / "data").string(),
                                     "--out",
                                     (dir_ / run).string(),
                                     "--updates",
                                     "14",
                                     "--net",
                                     "784-10",
                                     "--no-progress",
                                     "--lr",
                                     "0.5",
                                     "--eval-every",
                                     "1"};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto result = run_valley(args);
    EXPECT_EQ(result.exit_status, 0) << result.err;
    return testing::metrics_without_seconds(testing::read_text(dir_ / run / "metrics.csv"));
  };
  const std::string by_epochs = metrics("epochs", {"--lr-drop-epochs", "1", "--lr-drop-factor", "0.01"});
  EXPECT_EQ(by_epochs, metrics("updates", {"--lr-drops", "10", "--lr-drop-factor", "0.01"}));
  EXPECT_NE(by_epochs, metrics("updates-9", {"--lr-drops", "9", "--lr-drop-factor", "0.01"}));
  EXPECT_NE(by_epochs, metrics("updates-11", {"--lr-drops", "11", "--lr-drop-factor", "0.01"}));
  // The conversion is recorded: the epochs as given, the updates in the method's settings.
  const auto config = nlohmann::json::parse(testing::read_text(dir_ / "epochs" / "config.json"));
  EXPECT_EQ(config["lr_drop_epochs"], nlohmann::json::array({1})) << config.dump();
  EXPECT_EQ(config["method_settings"]["lr_drops"], nlohmann::json::array({10})) << config.dump();
}

TEST_F(AnchorFlags, DiagonalCovarianceLogsTheVariancesPerLayer) {
  const auto result = run_valley(train({"--method", "is", "--covariance", "diag", "--samples", "30",
                                        "--tau-min", "0.001", "--eval-every", "1"}));
  ASSERT_EQ(result.exit_status, 0) << result.err;
  const std::string csv = testing::read_text(dir_ / "run" / "covariance.csv");
  EXPECT_EQ(csv.rfind("update,layer,min,median,max\n1,1,", 0), 0u) << csv;
  EXPECT_NE(csv.find("\n2,1,"), std::string::npos) << csv;
  EXPECT_NE(testing::read_text(dir_ / "run" / "config.json").find("\"sampler\": \"full\""),
            std::string::npos);
}

TEST_F(AnchorFlags, SgldWithDiagonalCovarianceTakesBothMomentsFromTheChain) {
  const auto result = run_valley(train({"--method", "sgld", "--covariance", "diag", "--samples", "30",
                                        "--tau-min", "0.001", "--eval-every", "1"}));
  ASSERT_EQ(result.exit_status, 0) << result.err;
  const std::string csv = testing::read_text(dir_ / "run" / "covariance.csv");
  EXPECT_EQ(csv.rfind("update,layer,min,median,max\n1,1,", 0), 0u) << csv;
  const auto config = nlohmann::json::parse(testing::read_text(dir_ / "run" / "config.json"));
  EXPECT_EQ(config["sampler"], "full");
  EXPECT_EQ(config["method_settings"]["estimator"], "sgld");
  EXPECT_EQ(config["method_settings"]["covariance"], "diag");
}

TEST_F(AnchorFlags, IsotropicCovarianceIsTodaysIsAndSgldBitForBit) {
  for (const std::string method : {"is", "sgld"}) {
    const auto metrics = [&](const std::string& run, std::vector<std::string> extra) {
      std::vector<std::string> args = {"train",
                                       "--data",
                                       (dir_ / "data").string(),
                                       "--out",
                                       (dir_ / (method + run)).string(),
                                       "--updates",
                                       "3",
                                       "--net",
                                       "784-10",
                                       "--no-progress",
                                       "--method",
                                       method,
                                       "--samples",
                                       "20",
                                       "--sampler",
                                       "full",
                                       "--eval-every",
                                       "1"};
      args.insert(args.end(), extra.begin(), extra.end());
      const auto result = run_valley(args);
      EXPECT_EQ(result.exit_status, 0) << result.err;
      return testing::metrics_without_seconds(testing::read_text(dir_ / (method + run) / "metrics.csv"));
    };
    const std::string today = metrics("today", {});
    EXPECT_EQ(metrics("iso", {"--covariance", "iso"}), today) << method;
    EXPECT_NE(metrics("diag", {"--covariance", "diag"}), today) << method;  // the comparison can fail
  }
}

}  // namespace
}  // namespace valley
