// A run stopped part-way and resumed from its checkpoint ends with the same
// numbers as a run that was never stopped: every metrics.csv column but
// `seconds` (wall time, which cannot repeat) and the final parameters, bit
// for bit, for every method.
#include <gtest/gtest.h>

#include <bit>

#include "support/fixtures.h"
#include "support/run_files.h"
#include "support/temp_dir.h"
#include "valley/core/error.h"
#include "valley/train/checkpoint.h"
#include "valley/train/trainer.h"

namespace valley {
namespace {

using testing::TempDir;

struct MethodCase {
  std::string label;
  std::string method;
  std::string sampler = "auto";
  int64_t sgd_first = 0;
  void (*tweak)(MethodConfig&) = nullptr;  // further settings
};

void PrintTo(const MethodCase& m, std::ostream* os) { *os << m.label; }

TrainConfig config_for(const MethodCase& m, const std::filesystem::path& out) {
  TrainConfig config;
  config.net = "784-30-10";
  config.n_updates = 9;
  config.eval_every = 4;  // rows at 0, 4, 8, 9
  config.eval_size = 30;
  config.checkpoint_every = 3;
  config.out_dir = out;
  config.progress = false;
  config.method.name = m.method;
  config.method.sampler = m.sampler;
  config.method.sgd_first = m.sgd_first;
  if (m.method == "sgld" || m.method == "is" || m.method == "heat") config.method.n_samples = 9;
  if (m.tweak != nullptr) m.tweak(config.method);
  return config;
}

std::string metrics_without_seconds(const std::filesystem::path& file) {
  return testing::metrics_without_seconds(testing::read_text(file));
}

void expect_bitwise_equal(const Vec& a, const Vec& b) {
  ASSERT_EQ(a.size(), b.size());
  int64_t n_different = 0;
  for (Eigen::Index i = 0; i < a.size(); ++i)
    n_different += std::bit_cast<uint32_t>(a[i]) != std::bit_cast<uint32_t>(b[i]);
  EXPECT_EQ(n_different, 0) << "parameters differ";
}

class Resume : public ::testing::TestWithParam<MethodCase> {
 protected:
  void SetUp() override {
    testing::write_synthetic_data_dir(dir_ / "data", 100, 30);
    data_ = load_data_dir(dir_ / "data");
  }
  TempDir dir_;
  DataSplit data_;
};

TEST_P(Resume, ResumedRunIsBitIdenticalToAnUninterruptedOne) {
  const MethodCase& m = GetParam();
  const TrainOutcome whole = run_training(config_for(m, dir_ / "whole"), data_);

  // Stop after update 5: the last checkpoint on disk is that of update 3,
  // and metrics.csv already holds the row of update 4.
  const TrainConfig config = config_for(m, dir_ / "stopped");
  {
    TrainingRun run(config, data_);
    while (run.n_done() < 5) run.run_update();
  }
  const std::filesystem::path file = dir_ / "stopped" / kCheckpointFile;
  const Checkpoint checkpoint = read_checkpoint(file);
  ASSERT_EQ(checkpoint.n_done, 3);
  TrainConfig resumed_config = config;
  resumed_config.n_threads = 2;  // results do not depend on it
  TrainingRun resumed(resumed_config, data_, checkpoint, file.string());
  while (!resumed.finished()) resumed.run_update();
  const TrainOutcome outcome = resumed.finish();

  expect_bitwise_equal(outcome.x, whole.x);
  EXPECT_EQ(metrics_without_seconds(dir_ / "stopped" / "metrics.csv"),
            metrics_without_seconds(dir_ / "whole" / "metrics.csv"));
  expect_bitwise_equal(read_checkpoint(file).x, whole.x);  // the final checkpoint
  for (const char* diagnostics : {"entropy_sgd.csv", "covariance.csv"}) {
    if (std::filesystem::exists(dir_ / "whole" / diagnostics)) {
      EXPECT_EQ(testing::read_text(dir_ / "stopped" / diagnostics),
                testing::read_text(dir_ / "whole" / diagnostics))
          << diagnostics;
    }
  }
}

// The state taken at any update, not only at a scheduled checkpoint, is
// complete: here after update 5, between a row (4) and a checkpoint (6).
TEST_P(Resume, StateTakenBetweenCheckpointsIsComplete) {
  const MethodCase& m = GetParam();
  const TrainOutcome whole = run_training(config_for(m, dir_ / "whole"), data_);
  const TrainConfig config = config_for(m, dir_ / "stopped");
  std::string saved;
  {
    TrainingRun run(config, data_);
    while (run.n_done() < 5) run.run_update();
    saved = encode_checkpoint(run.checkpoint());
  }
  TrainingRun resumed(config, data_, decode_checkpoint(saved, "memory"), "memory");
  while (!resumed.finished()) resumed.run_update();
  const TrainOutcome outcome = resumed.finish();
  expect_bitwise_equal(outcome.x, whole.x);
  EXPECT_EQ(metrics_without_seconds(dir_ / "stopped" / "metrics.csv"),
            metrics_without_seconds(dir_ / "whole" / "metrics.csv"));
}

INSTANTIATE_TEST_SUITE_P(EveryMethod, Resume,
                         ::testing::Values(MethodCase{"sgd", "sgd"}, MethodCase{"sgld", "sgld"},
                                           MethodCase{"sgld_full", "sgld", "full"}, MethodCase{"is", "is"},
                                           MethodCase{"is_full", "is", "full"}, MethodCase{"heat", "heat"},
                                           MethodCase{"heat_full", "heat", "full"},
                                           MethodCase{"sgd_first_then_sgld", "sgld", "auto", 4},
                                           MethodCase{"sgd_nesterov_decay_drops", "sgd", "auto", 0,
                                                      [](MethodConfig& m) {
                                                        m.base.momentum = 0.9;
                                                        m.base.nesterov = true;
                                                        m.base.weight_decay = 1e-3;
                                                        m.base.lr_drops = {5};
                                                      }},
                                           MethodCase{"sam_momentum", "sam", "auto", 0,
                                                      [](MethodConfig& m) { m.base.momentum = 0.5; }},
                                           MethodCase{"entropy_sgd", "entropy-sgd", "auto", 0,
                                                      [](MethodConfig& m) { m.entropy_sgd.n_langevin = 3; }},
                                           MethodCase{"is_diagonal", "is", "auto", 0,
                                                      [](MethodConfig& m) { m.covariance.kind = "diag"; }}),
                         [](const ::testing::TestParamInfo<MethodCase>& info) { return info.param.label; });

class ResumeRefuses : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::write_synthetic_data_dir(dir_ / "data", 100, 30);
    data_ = load_data_dir(dir_ / "data");
    config_ = config_for({"sgld", "sgld"}, dir_ / "run");
    config_.n_updates = 3;
    run_training(config_, data_);
    checkpoint_ = read_checkpoint(dir_ / "run" / kCheckpointFile);
    metrics_before_ = testing::read_text(dir_ / "run" / "metrics.csv");
  }

  std::string error_of(const TrainConfig& config, const DataSplit& data) {
    try {
      TrainingRun run(config, data, checkpoint_, "run/checkpoint.bin");
    } catch (const Error& e) {
      EXPECT_EQ(testing::read_text(dir_ / "run" / "metrics.csv"), metrics_before_)
          << "a refused resume changed the run";
      return e.what();
    }
    return "";
  }

  TempDir dir_;
  DataSplit data_;
  TrainConfig config_;
  Checkpoint checkpoint_;
  std::string metrics_before_;
};

TEST_F(ResumeRefuses, SettingsThatChangeTheNumbers) {
  TrainConfig other = config_;
  other.method.sgld.eps_0 = 2000;
  EXPECT_NE(error_of(other, data_).find("--eps0 2000.0 differs from the checkpoint's 1000.0"),
            std::string::npos);
  other = config_;
  other.method.seed = 2;
  EXPECT_NE(error_of(other, data_).find("--seed 2 differs"), std::string::npos);
  other = config_;
  other.method.sampler = "full";
  EXPECT_NE(error_of(other, data_).find("--sampler \"full\" differs"), std::string::npos);
}

TEST_F(ResumeRefuses, OtherData) {
  testing::write_synthetic_data_dir(dir_ / "other", 101, 30);
  TrainConfig other = config_;
  other.data_dir = dir_ / "other";
  EXPECT_NE(error_of(other, load_data_dir(dir_ / "other")).find("is not the file the run started with"),
            std::string::npos);
}

TEST_F(ResumeRefuses, ParametersOfAnotherSize) {
  checkpoint_.x.resize(10);
  EXPECT_NE(error_of(config_, data_).find("holds 10 parameters, but --net 784-30-10 has 23860"),
            std::string::npos);
}

// `valley train --resume` rebuilds the settings from those the checkpoint
// records: a run with --sgld-noise stddev must come back as one, not fall
// back to the default noise.
TEST(ResumeFromRecordedSettings, KeepsSgldNoiseStddev) {
  TempDir dir;
  testing::write_synthetic_data_dir(dir / "data", 100, 30);
  const DataSplit data = load_data_dir(dir / "data");
  const auto config_with = [&](const std::string& noise, const std::string& name) {
    TrainConfig config = config_for({"sgld", "sgld"}, dir / name);
    config.method.sgld.noise = noise;
    return config;
  };
  const TrainOutcome whole = run_training(config_with("stddev", "whole"), data);
  const TrainOutcome variance = run_training(config_with("variance", "variance"), data);
  ASSERT_NE(whole.x, variance.x) << "the noise reading does not change the run";
  EXPECT_EQ(nlohmann::json::parse(testing::read_text(dir / "whole" / "config.json"))["sgld_noise"], "stddev");

  {
    TrainingRun run(config_with("stddev", "stopped"), data);
    while (run.n_done() < 5) run.run_update();
  }
  const std::filesystem::path file = dir / "stopped" / kCheckpointFile;
  const Checkpoint checkpoint = read_checkpoint(file);
  ASSERT_EQ(checkpoint.n_done, 3);
  TrainConfig recorded = train_config_from_json(checkpoint.config, file.string());
  EXPECT_EQ(recorded.method.sgld.noise, "stddev");
  recorded.progress = false;
  TrainingRun resumed(recorded, data, checkpoint, file.string());
  while (!resumed.finished()) resumed.run_update();
  expect_bitwise_equal(resumed.finish().x, whole.x);
  EXPECT_EQ(metrics_without_seconds(dir / "stopped" / "metrics.csv"),
            metrics_without_seconds(dir / "whole" / "metrics.csv"));
}

// A checkpoint written before "sgld_noise" was recorded resumes with the
// default noise; asking for the other one is refused.
TEST(ResumeFromRecordedSettings, CheckpointWithoutSgldNoiseMeansVariance) {
  TempDir dir;
  testing::write_synthetic_data_dir(dir / "data", 100, 30);
  const DataSplit data = load_data_dir(dir / "data");
  TrainConfig config = config_for({"sgld", "sgld"}, dir / "run");
  config.n_updates = 3;
  run_training(config, data);
  Checkpoint checkpoint = read_checkpoint(dir / "run" / kCheckpointFile);
  checkpoint.config.erase("sgld_noise");
  const TrainConfig recorded = train_config_from_json(checkpoint.config, "c");
  EXPECT_EQ(recorded.method.sgld.noise, "variance");
  TrainingRun run(recorded, data, checkpoint, "c");
  EXPECT_TRUE(run.finished());
  TrainConfig stddev = config;
  stddev.method.sgld.noise = "stddev";
  try {
    TrainingRun refused(stddev, data, checkpoint, "c");
    ADD_FAILURE() << "a stddev resume of a variance checkpoint was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("the checkpoint does not record the setting \"sgld_noise\""),
              std::string::npos)
        << e.what();
  }
}

TEST(ResumeAllows, ThreadsCheckpointIntervalAndDataLocation) {
  TempDir dir;
  testing::write_synthetic_data_dir(dir / "data", 100, 30);
  TrainConfig config = config_for({"is", "is"}, dir / "run");
  config.data_dir = dir / "data";
  run_training(config, load_data_dir(dir / "data"));
  std::filesystem::rename(dir / "data", dir / "moved");
  TrainConfig changed = config;
  changed.data_dir = dir / "moved";
  changed.n_threads = 2;
  changed.checkpoint_every = 1;
  const Checkpoint checkpoint = read_checkpoint(dir / "run" / kCheckpointFile);
  TrainingRun run(changed, load_data_dir(dir / "moved"), checkpoint, "c");
  EXPECT_TRUE(run.finished());  // the checkpoint is the final one
}

}  // namespace
}  // namespace valley
