// ModelEvaluation: the data it picks, the images it counts, and its checks
// (the numbers themselves are checked against an independent forward pass in
// tests/cli/eval_command_test.cpp).
#include "valley/train/model_evaluation.h"

#include <gtest/gtest.h>

#include "support/fixtures.h"
#include "support/temp_dir.h"
#include "valley/core/error.h"
#include "valley/model/init.h"

namespace valley {
namespace {

using testing::TempDir;

std::string error_of(const ModelEvaluationSettings& settings) {
  try {
    ModelEvaluation evaluation(settings);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

class ModelEvaluationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::write_synthetic_data_dir(dir_ / "data", 200, 40);
    const NetSpec net = NetSpec::parse("784-10");
    write_model_file(dir_ / "m.safetensors", net, glorot_uniform(net, 3), {{"method", "sgd"}});
    settings_.model = (dir_ / "m.safetensors").string();
    settings_.data_dir = dir_ / "data";
  }
  TempDir dir_;
  ModelEvaluationSettings settings_;
};

TEST_F(ModelEvaluationTest, CountsTheChosenImagesAndItsJsonHoldsTheReport) {
  settings_.split = "train";
  settings_.eval_size = 150;
  const ModelEvaluation evaluation(settings_);
  EXPECT_EQ(evaluation.data().n, 200);
  EXPECT_EQ(evaluation.n_images(), 150);
  EXPECT_EQ(evaluation.data_origin(), "--data");
  const ClassificationReport report = evaluation.run();
  EXPECT_EQ(report.n_images, 150);
  int64_t total = 0, correct = 0;
  for (std::size_t k = 0; k < report.confusion.size(); ++k)
    for (std::size_t p = 0; p < report.confusion.size(); ++p) {
      total += report.confusion[k][p];
      if (k == p) correct += report.confusion[k][p];
    }
  EXPECT_EQ(total, 150);
  EXPECT_DOUBLE_EQ(report.accuracy, static_cast<double>(correct) / 150);
  const nlohmann::json json = evaluation.to_json(report);
  EXPECT_EQ(json["split"], "train");
  EXPECT_EQ(json["net"], "784-10");
  EXPECT_EQ(json["images"], 150);
  EXPECT_EQ(json["confusion"].get<std::vector<std::vector<int64_t>>>(), report.confusion);
  EXPECT_EQ(json["model_metadata"]["method"], "sgd");

  settings_.eval_size = 5000;  // more than the split holds: all of it
  EXPECT_EQ(ModelEvaluation(settings_).n_images(), 200);
  settings_.split = "test";
  settings_.eval_size = 0;
  EXPECT_EQ(ModelEvaluation(settings_).n_images(), 40);
}

TEST_F(ModelEvaluationTest, RejectsBadSettingsAndAModelThatDoesNotFitTheData) {
  ModelEvaluationSettings bad = settings_;
  bad.split = "dev";
  EXPECT_EQ(error_of(bad), "--split must be 'test' or 'train' (got 'dev')");
  bad = settings_;
  bad.eval_size = -1;
  EXPECT_NE(error_of(bad).find("--eval-size must be ≥ 0"), std::string::npos);
  bad = settings_;
  bad.n_threads = 0;
  EXPECT_NE(error_of(bad).find("--threads must be between 1 and 256"), std::string::npos);
  bad = settings_;
  bad.data_dir = dir_ / "nowhere";
  EXPECT_NE(error_of(bad).find("nowhere: data set not found (--data)"), std::string::npos);
  const NetSpec wide = NetSpec::parse("100-10");
  write_model_file(dir_ / "wide.safetensors", wide, glorot_uniform(wide, 1), {});
  bad = settings_;
  bad.model = (dir_ / "wide.safetensors").string();
  EXPECT_NE(error_of(bad).find("the net 100-10 takes 100 inputs, but the images of"), std::string::npos)
      << error_of(bad);
}

}  // namespace
}  // namespace valley
