// valley eval against a forward pass written here, in double, from the
// model file's tensors as PyTorch lays them out ([out, in] weights).
#include <gtest/gtest.h>

#include <cmath>

#include <nlohmann/json.hpp>

#include "support/fixtures.h"
#include "support/run_command.h"
#include "support/temp_dir.h"
#include "valley/data/dataset.h"
#include "valley/data/idx.h"
#include "valley/model/init.h"
#include "valley/model/model_file.h"
#include "valley/model/safetensors.h"
#include "valley/random/philox_normal.h"

namespace valley {
namespace {

using testing::run_valley;
using testing::TempDir;

struct Expected {
  std::vector<std::vector<int64_t>> confusion;
  int64_t correct = 0;
  double loss = 0.0;
};

// Reads the tensors of the file itself (not through read_model_file) and
// runs y = W h + b layer by layer, ReLU between, softmax cross-entropy last.
Expected forward_in_double(const std::filesystem::path& model_file, const Dataset& data, int64_t n) {
  const std::string bytes = testing::read_text(model_file);
  const SafetensorsContents file = decode_safetensors(bytes, model_file.string());
  std::map<std::string, const Tensor*> t;
  for (const Tensor& tensor : file.tensors) t[tensor.name] = &tensor;
  const int n_layers = static_cast<int>(file.tensors.size() / 2);
  const int n_classes = static_cast<int>(t["layers." + std::to_string(n_layers - 1) + ".bias"]->shape[0]);
  Expected e;
  e.confusion.assign(n_classes, std::vector<int64_t>(n_classes, 0));
  for (int64_t i = 0; i < n; ++i) {
    std::vector<double> h(data.image(i), data.image(i) + data.pixels());
    for (int l = 0; l < n_layers; ++l) {
      const Tensor& w = *t["layers." + std::to_string(l) + ".weight"];
      const Tensor& b = *t["layers." + std::to_string(l) + ".bias"];
      const int64_t n_out = w.shape[0], n_in = w.shape[1];
      std::vector<double> y(n_out);
      for (int64_t o = 0; o < n_out; ++o) {
        double s = b.values[o];
        for (int64_t k = 0; k < n_in; ++k) s += double{w.values[o * n_in + k]} * h[k];
        y[o] = (l + 1 < n_layers) ? std::max(s, 0.0) : s;
      }
      h = y;
    }
    const double top = *std::max_element(h.begin(), h.end());
    double sum = 0.0;
    for (double z : h) sum += std::exp(z - top);
    e.loss += -(h[data.labels[i]] - top - std::log(sum));
    const int predicted = static_cast<int>(std::max_element(h.begin(), h.end()) - h.begin());
    ++e.confusion[data.labels[i]][predicted];
    if (predicted == data.labels[i]) ++e.correct;
  }
  e.loss /= static_cast<double>(n);
  return e;
}

class Eval : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::write_synthetic_data_dir(dir_ / "data", 600, 60);
    // Glorot weights and N(0, 0.1²) biases, so that every parameter counts.
    const NetSpec net = NetSpec::parse("784-12-10");
    Vec x = glorot_uniform(net, 7);
    for (int l = 1; l <= net.n_layers(); ++l)
      for (int j = 0; j < net.widths[l]; ++j)
        x[net.bias_offset(l) + j] =
            0.1f * normal_at({7, Stream::test, static_cast<uint32_t>(l), 0}, static_cast<uint64_t>(j));
    write_model_file(dir_ / "m.safetensors", net, x, {{"method", "sgd"}});
  }

  nlohmann::json eval_json(std::vector<std::string> args) {
    args.insert(args.begin(), "eval");
    args.insert(args.end(), {"--json", (dir_ / "out.json").string()});
    const auto result = run_valley(args);
    EXPECT_EQ(result.exit_status, 0) << result.err;
    EXPECT_NE(result.out.find("accuracy"), std::string::npos) << result.out;
    return nlohmann::json::parse(testing::read_text(dir_ / "out.json"));
  }

  void expect_matches(const nlohmann::json& got, const Expected& want, int64_t n) {
    EXPECT_EQ(got["images"], n);
    EXPECT_EQ(got["confusion"].get<std::vector<std::vector<int64_t>>>(), want.confusion);
    EXPECT_DOUBLE_EQ(got["accuracy"].get<double>(), static_cast<double>(want.correct) / n);
    // float arithmetic in valley against double here
    EXPECT_NEAR(got["loss"].get<double>(), want.loss, 1e-5 * std::max(1.0, want.loss));
    for (int k = 0; k < 10; ++k) {
      int64_t images = 0;
      for (int64_t c : want.confusion[k]) images += c;
      EXPECT_EQ(got["per_class"][k]["images"], images);
      if (images > 0) {
        EXPECT_DOUBLE_EQ(got["per_class"][k]["accuracy"].get<double>(),
                         static_cast<double>(want.confusion[k][k]) / images);
      }
    }
  }

  TempDir dir_;
};

TEST_F(Eval, TestSplitMatchesAnIndependentForwardPass) {
  const DataSplit data = load_data_dir(dir_ / "data");
  const auto got =
      eval_json({"--model", (dir_ / "m.safetensors").string(), "--data", (dir_ / "data").string()});
  EXPECT_EQ(got["split"], "test");
  expect_matches(got, forward_in_double(dir_ / "m.safetensors", data.test, 60), 60);
}

TEST_F(Eval, TrainSplitFirstNImagesMatchesAndThreadsDoNotChangeIt) {
  const DataSplit data = load_data_dir(dir_ / "data");
  const std::vector<std::string> args = {"--model",     (dir_ / "m.safetensors").string(),
                                         "--data",      (dir_ / "data").string(),
                                         "--split",     "train",
                                         "--eval-size", "570"};
  auto one = eval_json(args);
  expect_matches(one, forward_in_double(dir_ / "m.safetensors", data.train, 570), 570);
  std::vector<std::string> threaded = args;
  threaded.insert(threaded.end(), {"--threads", "3"});
  EXPECT_EQ(eval_json(threaded), one);
}

// A run directory: its model file, and by default the data it trained on.
TEST_F(Eval, ARunDirectoryIsEvaluatedOnItsOwnData) {
  const auto trained =
      run_valley({"train", "--data", (dir_ / "data").string(), "--out", (dir_ / "run").string(), "--net",
                  "784-12-10", "--updates", "3", "--eval-size", "60", "--no-progress"});
  ASSERT_EQ(trained.exit_status, 0) << trained.err;
  const auto got = eval_json({"--model", (dir_ / "run").string()});
  const auto summary = nlohmann::json::parse(testing::read_text(dir_ / "run" / "summary.json"));
  // Held-out evaluation during training used all 60 test images too.
  EXPECT_EQ(got["images"], 60);
  EXPECT_DOUBLE_EQ(got["accuracy"].get<double>(), summary["final_test_accuracy"].get<double>());
  // the same images in another order: only the float summation differs
  EXPECT_NEAR(got["loss"].get<double>(), summary["final_test_loss"].get<double>(), 1e-5);
  const DataSplit data = load_data_dir(dir_ / "data");
  expect_matches(got, forward_in_double(dir_ / "run" / kModelFile, data.test, 60), 60);
}

TEST_F(Eval, MistakesGetOneLineErrors) {
  const auto expect_error = [](const std::vector<std::string>& args, const std::string& needle) {
    const auto result = run_valley(args);
    EXPECT_EQ(result.exit_status, 2) << result.err;
    EXPECT_NE(result.err.find(needle), std::string::npos) << result.err;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
  };
  const std::string data = (dir_ / "data").string();
  const std::string model = (dir_ / "m.safetensors").string();
  expect_error({"eval", "--data", data}, "--model RUN_DIR|FILE is required");
  expect_error({"eval", "--model", model, "--data", data, "--split", "dev"}, "--split must be");
  expect_error({"eval", "--model", data, "--data", data}, "no model.safetensors");
  write_model_file(dir_ / "small.safetensors", NetSpec::parse("100-10"), Vec::Zero(1010), {});
  expect_error({"eval", "--model", (dir_ / "small.safetensors").string(), "--data", data},
               "the net 100-10 takes 100 inputs, but the images");
  testing::write_bytes(dir_ / "bad.safetensors", "\x08");
  expect_error({"eval", "--model", (dir_ / "bad.safetensors").string(), "--data", data},
               (dir_ / "bad.safetensors").string() + ": truncated");
}

}  // namespace
}  // namespace valley
