// model.safetensors as a run writes it, and --init-from as a run reads it.
#include <gtest/gtest.h>

#include <cmath>

#include <nlohmann/json.hpp>

#include "support/fixtures.h"
#include "support/temp_dir.h"
#include "valley/core/error.h"
#include "valley/data/dataset.h"
#include "valley/model/model_file.h"
#include "valley/train/checkpoint.h"
#include "valley/train/trainer.h"

namespace valley {
namespace {

using testing::TempDir;

TrainConfig small_config(const std::filesystem::path& out) {
  TrainConfig config;
  config.net = "784-16-10";
  config.n_updates = 12;
  config.eval_every = 6;
  config.eval_size = 40;
  config.out_dir = out;
  config.progress = false;
  config.method.seed = 3;
  return config;
}

class ModelOutput : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::write_synthetic_data_dir(dir_ / "data", 200, 50);
    data_ = load_data_dir(dir_ / "data");
  }
  TempDir dir_;
  DataSplit data_;
};

TEST_F(ModelOutput, ARunWritesItsFinalParametersAndTheirProvenance) {
  const TrainOutcome outcome = run_training(small_config(dir_ / "run"), data_);
  const ModelFile model = load_model(dir_ / "run");
  EXPECT_EQ(model.net.str(), "784-16-10");
  EXPECT_EQ(model.x, outcome.x) << "the file does not hold the final x bit for bit";
  EXPECT_EQ(model.metadata.at("method"), "sgd");
  EXPECT_EQ(model.metadata.at("seed"), "3");
  EXPECT_EQ(model.metadata.at("updates"), "12");
  EXPECT_EQ(model.metadata.at("format"), "pt");
  EXPECT_FALSE(model.metadata.at("valley_version").empty());
  EXPECT_EQ(model.metadata.at("crc32.train_images"),
            data_.identity["train_images"]["crc32"].get<std::string>());
  EXPECT_EQ(nlohmann::json::parse(model.metadata.at("config"))["net"], "784-16-10");
}

TEST_F(ModelOutput, EveryCheckpointWritesTheModelBesideIt) {
  TrainConfig config = small_config(dir_ / "run");
  config.checkpoint_every = 5;
  TrainingRun run(config, data_);
  EXPECT_EQ(load_model(dir_ / "run").metadata.at("updates"), "0");
  for (int k = 0; k < 5; ++k) run.run_update();
  const ModelFile at_5 = load_model(dir_ / "run");
  EXPECT_EQ(at_5.metadata.at("updates"), "5");
  EXPECT_EQ(at_5.x, read_checkpoint(dir_ / "run" / kCheckpointFile).x);
  run.run_update();
  EXPECT_EQ(load_model(dir_ / "run").metadata.at("updates"), "5") << "written between checkpoints";
}

TEST_F(ModelOutput, ADivergedRunKeepsTheLastGoodModelAndSaysWhichUpdate) {
  TrainConfig config = small_config(dir_ / "run");
  config.checkpoint_every = 2;
  config.method.sgd.lr = 1e30;
  EXPECT_THROW(run_training(config, data_), Error);
  const ModelFile model = load_model(dir_ / "run");
  EXPECT_TRUE(model.x.allFinite());
  const auto summary = nlohmann::json::parse(testing::read_text(dir_ / "run" / "summary.json"));
  EXPECT_EQ(summary["status"], "diverged");
  ASSERT_TRUE(summary.contains("model_update")) << summary.dump();
  EXPECT_EQ(summary["model_update"], summary["last_checkpoint"]);
  EXPECT_EQ(model.metadata.at("updates"), std::to_string(summary["model_update"].get<int64_t>()));
}

// Same seed and data: the first row of a run started from a model file
// evaluates exactly the parameters that the source run ended with, on the
// same images, so it repeats the source run's last row.
TEST_F(ModelOutput, InitFromStartsAtTheFilesParameters) {
  const TrainOutcome source = run_training(small_config(dir_ / "source"), data_);
  TrainConfig config = small_config(dir_ / "next");
  config.init_from = dir_ / "source" / kModelFile;
  config.n_updates = 0;
  const TrainOutcome next = run_training(config, data_);
  EXPECT_EQ(next.x, source.x);
  ASSERT_EQ(next.rows.size(), 1u);
  EXPECT_EQ(next.rows[0].train_loss, source.rows.back().train_loss);
  EXPECT_EQ(next.rows[0].test_loss, source.rows.back().test_loss);
  EXPECT_EQ(next.rows[0].test_accuracy, source.rows.back().test_accuracy);
  const auto stored = nlohmann::json::parse(testing::read_text(dir_ / "next" / "config.json"));
  EXPECT_EQ(stored["init_from"], config.init_from->string());
  EXPECT_EQ(stored["init_from_identity"]["bytes"], std::filesystem::file_size(*config.init_from));
  // The settings read back (as --resume and valley reproduce read them).
  EXPECT_EQ(train_config_from_json(stored, "config.json").init_from, config.init_from);
}

TEST_F(ModelOutput, InitFromWithAnotherNetIsRefusedBeforeAnythingIsWritten) {
  run_training(small_config(dir_ / "source"), data_);
  TrainConfig config = small_config(dir_ / "next");
  config.init_from = dir_ / "source" / kModelFile;
  config.net = "784-20-10";
  try {
    run_training(config, data_);
    ADD_FAILURE() << "another net was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "--init-from " + config.init_from->string() +
                                         ": holds a 784-16-10 network, but --net is 784-20-10");
  }
  EXPECT_FALSE(std::filesystem::exists(dir_ / "next"));
}

// A resumed run keeps its --init-from (from the checkpoint) and ends where
// the uninterrupted run ends.
TEST_F(ModelOutput, AResumedInitFromRunEqualsTheUninterruptedOne) {
  run_training(small_config(dir_ / "source"), data_);
  TrainConfig config = small_config(dir_ / "whole");
  config.init_from = dir_ / "source" / kModelFile;
  const TrainOutcome whole = run_training(config, data_);

  config.out_dir = dir_ / "stopped";
  config.checkpoint_every = 4;
  {
    TrainingRun run(config, data_);
    for (int k = 0; k < 6; ++k) run.run_update();
  }
  const Checkpoint checkpoint = read_checkpoint(dir_ / "stopped" / kCheckpointFile);
  TrainConfig resumed = train_config_from_json(checkpoint.config, "checkpoint");
  resumed.out_dir = dir_ / "stopped";
  resumed.progress = false;
  EXPECT_EQ(resumed.init_from, config.init_from);
  TrainingRun run(resumed, data_, checkpoint, "checkpoint");
  while (!run.finished()) run.run_update();
  const TrainOutcome outcome = run.finish();
  EXPECT_EQ(outcome.x, whole.x);
  EXPECT_EQ(load_model(dir_ / "stopped").x, whole.x);
}

}  // namespace
}  // namespace valley
