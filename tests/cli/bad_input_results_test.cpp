// Models that do not fit their data, and the data a run names
// (docs/RELIABILITY.md): a net must have one output per class wherever a net
// meets data (train, --init-from, eval, flatness and the library's
// objectives); a model whose outputs overflow is not evaluated; eval and
// flatness find the data a run recorded from any directory and check it by
// size and CRC-32 before reporting a number on it. Every refusal ends with
// exit status 2 and one line on stderr.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "support/fixtures.h"
#include "support/run_command.h"
#include "support/temp_dir.h"
#include "valley/backends/backend.h"
#include "valley/core/error.h"
#include "valley/data/dataset.h"
#include "valley/data/minibatch.h"
#include "valley/flatness/subset_net.h"
#include "valley/model/init.h"
#include "valley/model/model_file.h"
#include "valley/objective/mlp_objective.h"
#include "valley/train/evaluate.h"
#include "valley/train/model_evaluation.h"
#include "valley/train/trainer.h"

namespace valley {
namespace {

using testing::CommandResult;
using testing::run_valley;
using testing::TempDir;

namespace fs = std::filesystem;

bool holds(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

// Exit status 2, one line on stderr holding every needle.
void expect_refused(const CommandResult& r, const std::vector<std::string>& needles) {
  EXPECT_EQ(r.exit_status, 2) << r.err << r.out;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(r.err.rfind("valley: error: ", 0), 0u) << r.err;
  for (const std::string& needle : needles) EXPECT_TRUE(holds(r.err, needle)) << r.err;
}

// valley run from the directory `cwd`.
CommandResult run_valley_in(const fs::path& cwd, const std::vector<std::string>& args) {
  std::vector<std::string> words = {"-c", "cd \"$1\" && shift && exec \"$@\"", "sh", cwd.string(),
                                    VALLEY_BINARY};
  words.insert(words.end(), args.begin(), args.end());
  return testing::run_program("/bin/sh", words);
}

void write_model(const fs::path& file, const std::string& net_text, float weight_scale = 0.0f) {
  const NetSpec net = NetSpec::parse(net_text);
  Vec x = glorot_uniform(net, 3);
  if (weight_scale != 0.0f)  // every weight and bias of the first layer
    for (int64_t i = 0; i < net.bias_offset(1) + net.widths[1]; ++i) x[i] = weight_scale;
  write_model_file(file, net, x, {{"method", "sgd"}});
}

// Synthetic 6×6 images with labels i % 10: ten classes.
class BadResults : public ::testing::Test {
 protected:
  void SetUp() override { testing::write_synthetic_data_dir(dir_ / "data", 200, 40, 6, 6); }

  std::string data() const { return (dir_ / "data").string(); }

  std::vector<std::string> train_args(const std::string& out, const std::string& net) const {
    return {"train", "--data",      data(), "--out",   out,   "--net",
            net,     "--updates",   "4",    "--batch", "10",  "--eval-every",
            "2",     "--eval-size", "20",   "--lr",    "0.1", "--no-progress"};
  }

  // Each call its own --out directory.
  std::vector<std::string> flatness_args(const std::string& run) {
    return {"flatness", run,        "--out", (dir_ / ("flat-" + std::to_string(++n_flatness_))).string(),
            "--quick",  "--subset", "50"};
  }
  int n_flatness_ = 0;

  TempDir dir_;
};

TEST_F(BadResults, TrainRefusesANetWithoutOneOutputPerClass) {
  for (const auto& [net, outputs] :
       {std::pair{"36-20-5", "5"}, std::pair{"36-2", "2"}, std::pair{"36-12", "12"}}) {
    const std::string out = (dir_ / "run").string();
    expect_refused(run_valley(train_args(out, net)),
                   {"--net: the net " + std::string(net) + " has " + outputs + " outputs",
                    "holds 10 classes (labels 0–9)"});
    EXPECT_FALSE(fs::exists(out)) << net;
  }
}

TEST_F(BadResults, TrainRefusesInitFromAModelWithTooFewOutputs) {
  const std::string model = (dir_ / "five.safetensors").string();
  write_model(model, "36-20-5");
  std::vector<std::string> args = train_args((dir_ / "run").string(), "36-20-5");
  args.insert(args.end(), {"--init-from", model});
  expect_refused(run_valley(args),
                 {"--init-from " + model + ": the net 36-20-5 has 5 outputs", "10 classes"});
  EXPECT_FALSE(fs::exists(dir_ / "run"));
}

TEST_F(BadResults, EvalAndFlatnessRefuseAModelWithTooFewOutputs) {
  const std::string model = (dir_ / "five.safetensors").string();
  write_model(model, "36-20-5");
  expect_refused(run_valley({"eval", "--model", model, "--data", data()}),
                 {"--model " + model + ": the net 36-20-5 has 5 outputs", "10 classes"});
  std::vector<std::string> args = flatness_args(model);
  args.insert(args.end(), {"--data", data()});
  expect_refused(run_valley(args), {model + ": the net 36-20-5 has 5 outputs", "10 classes"});
}

// The library refuses too, wherever a net meets labelled images: a training
// run, the minibatch objective, the evaluators and the flatness subset.
TEST_F(BadResults, TheLibraryRefusesANetWithTooFewOutputs) {
  const DataSplit split = load_data_dir(dir_ / "data");
  const NetSpec five = NetSpec::parse("36-5");
  const auto error_of = [](const auto& make) -> std::string {
    try {
      make();
    } catch (const Error& e) {
      return e.what();
    }
    return "(no error)";
  };
  TrainConfig config;
  config.net = "36-5";
  config.data_dir = dir_ / "data";
  config.out_dir = dir_ / "run";
  config.n_updates = 2;
  config.batch_size = 10;
  config.eval_size = 10;
  EXPECT_TRUE(holds(error_of([&] { TrainingRun run(config, split); }), "has 5 outputs"));
  EXPECT_FALSE(fs::exists(dir_ / "run"));

  auto backend = make_cpu_backend(1);
  MinibatchSampler sampler(split.train.n, 10, 1);
  EXPECT_TRUE(holds(error_of([&] { MlpObjective f(five, split.train, sampler, InnerBatch::same, *backend); }),
                    "has 5 outputs, but " + split.train.source + " holds label 9"));
  EXPECT_TRUE(holds(error_of([&] { Evaluator e(five, split.test, {0, 1, 2}); }), "holds label 9"));
  const Vec x = glorot_uniform(five, 1);
  EXPECT_TRUE(holds(error_of([&] { classify(five, x, split.test, split.test.n, 1); }), "holds label 9"));
  EXPECT_TRUE(holds(error_of([&] {
                      SubsetNet s(five, split.train.images.data(), split.train.labels.data(), 50, *backend);
                    }),
                    "holds label 9"));
}

// Finite weights of 3e38 overflow the first layer's outputs to infinity,
// and the loss to NaN.
TEST_F(BadResults, AModelWhoseOutputsOverflowIsNotEvaluated) {
  const std::string model = (dir_ / "huge.safetensors").string();
  write_model(model, "36-8-10", 3e38f);
  expect_refused(run_valley({"eval", "--model", model, "--data", data()}),
                 {"--model " + model + ": the mean cross-entropy on 40 images", "not finite", "3e+38"});
  std::vector<std::string> args = flatness_args(model);
  args.insert(args.end(), {"--data", data()});
  expect_refused(run_valley(args), {model + ": the mean cross-entropy on the loss subset", "not finite"});

  ModelEvaluationSettings settings;
  settings.model = model;
  settings.data_dir = dir_ / "data";
  const ModelEvaluation evaluation(settings);
  EXPECT_THROW(evaluation.run(), Error);
}

// A run trained on --data data (a relative path), evaluated from another
// directory that holds a decoy data set under the same relative name.
class RunData : public BadResults {
 protected:
  void SetUp() override {
    BadResults::SetUp();
    std::vector<std::string> args = train_args("run", "36-8-10");
    args[2] = "data";  // --data, relative to dir_
    const CommandResult trained = run_valley_in(dir_.path(), args);
    ASSERT_EQ(trained.exit_status, 0) << trained.err;
    fs::create_directories(dir_ / "elsewhere");
    testing::write_synthetic_data_dir(dir_ / "elsewhere" / "data", 210, 50, 6, 6);  // the decoy
  }
  std::string real_source() const { return (dir_ / "data" / kTestImages).string(); }
};

TEST_F(RunData, EvalAndFlatnessFindTheRunsDataFromAnyDirectory) {
  for (const fs::path& cwd : {dir_ / "elsewhere", fs::path("/")}) {
    const std::string run = cwd == "/" ? (dir_ / "run").string() : "../run";
    const CommandResult eval = run_valley_in(cwd, {"eval", "--model", run});
    EXPECT_EQ(eval.exit_status, 0) << cwd << ": " << eval.err;
    EXPECT_TRUE(
        holds(eval.out, "test split of " + real_source() + " (the run's data, from " + run + "/config.json)"))
        << eval.out;
    EXPECT_TRUE(holds(eval.out, "(40 images)")) << eval.out;  // the decoy holds 50
    const CommandResult flat = run_valley_in(cwd, flatness_args(run));
    EXPECT_EQ(flat.exit_status, 0) << cwd << ": " << flat.err;
    EXPECT_TRUE(holds(flat.err, "images of " + (dir_ / "data").string() + ": the run's data")) << flat.err;
  }
}

TEST_F(RunData, EvalAndFlatnessRefuseDataOtherThanTheRunsOwn) {
  // The run's data is gone; its relative name now finds the decoy.
  fs::rename(dir_ / "data", dir_ / "moved");
  const std::string decoy = (fs::absolute(dir_ / "elsewhere") / "data").string();
  const std::string mismatch = "/elsewhere/data/t10k-images-idx3-ubyte is not the file the run started with";
  expect_refused(run_valley_in(dir_ / "elsewhere", {"eval", "--model", "../run"}),
                 {"--model ../run: ", mismatch, "; pass --data DIR"});
  std::vector<std::string> args = flatness_args("../run");
  expect_refused(run_valley_in(dir_ / "elsewhere", args), {"error: ../run: ", mismatch, "; pass --data DIR"});
  EXPECT_FALSE(fs::exists(args[3] + "/flatness.json"));

  // Other data named by --data: refused, unless --other-data says so.
  const std::string run = (dir_ / "run").string();
  expect_refused(run_valley({"eval", "--model", run, "--data", decoy}),
                 {"--data " + decoy + ": ", "is not the file the run started with", "--other-data"});
  args = flatness_args(run);
  args.insert(args.end(), {"--data", decoy});
  expect_refused(run_valley(args), {"--data " + decoy + ": ", "--other-data"});
  const CommandResult other = run_valley({"eval", "--model", run, "--data", decoy, "--other-data"});
  EXPECT_EQ(other.exit_status, 0) << other.err;
  EXPECT_TRUE(holds(other.out, "(--data, with --other-data)")) << other.out;
  args = flatness_args(run);
  args.insert(args.end(), {"--data", decoy, "--other-data"});
  const CommandResult other_flat = run_valley(args);
  EXPECT_EQ(other_flat.exit_status, 0) << other_flat.err;
  expect_refused(run_valley({"eval", "--model", run, "--other-data"}),
                 {"--other-data applies only with --data"});

  // The moved data, named by --data, is the run's: accepted.
  const CommandResult moved = run_valley({"eval", "--model", run, "--data", (dir_ / "moved").string()});
  EXPECT_EQ(moved.exit_status, 0) << moved.err;
}

// Without config.json, both read the settings the model file carries, and
// say so.
TEST_F(RunData, WithoutConfigJsonEvalAndFlatnessUseTheModelFilesRecordOfTheData) {
  fs::remove(dir_ / "run" / "config.json");
  const std::string run = (dir_ / "run").string();
  const CommandResult eval = run_valley_in(dir_ / "elsewhere", {"eval", "--model", run});
  EXPECT_EQ(eval.exit_status, 0) << eval.err;
  EXPECT_TRUE(holds(eval.out,
                    "test split of " + real_source() + " (the run's data, from the metadata of " + run + ")"))
      << eval.out;
  const CommandResult flat = run_valley_in(dir_ / "elsewhere", flatness_args(run));
  EXPECT_EQ(flat.exit_status, 0) << flat.err;
  EXPECT_TRUE(holds(
      flat.err, "images of " + (dir_ / "data").string() + ": the run's data, from the metadata of " + run))
      << flat.err;
}

}  // namespace
}  // namespace valley
