// `valley flatness` as a user meets it: the same JSON (apart from timings)
// for one thread and two, the files it promises, and one-line errors with
// exit status 2 for bad runs and flags.
#include <algorithm>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/fixtures.h"
#include "support/run_command.h"
#include "support/temp_dir.h"

namespace valley {
namespace {

using testing::read_text;
using testing::run_valley;
using testing::TempDir;

// Two short runs of a small net on synthetic 6×6 images.
struct Runs {
  TempDir dir;
  std::string data, a, b;
  Runs() {
    data = (dir / "data").string();
    testing::write_synthetic_data_dir(data, 300, 100, 6, 6);
    a = (dir / "run-a").string();
    b = (dir / "run-b").string();
    for (const auto& [out, method] : {std::pair{a, std::string("sgd")}, std::pair{b, std::string("heat")}}) {
      std::vector<std::string> args = {"train", "--method", method, "--net",        "36-8-10", "--updates",
                                       "20",    "--data",   data,   "--eval-every", "10",      "--eval-size",
                                       "50",    "--out",    out,    "--seed",       "3"};
      if (method == "heat")
        args.insert(args.end(), {"--rm-iters", "3", "--rm-samples", "3"});
      else
        args.insert(args.end(), {"--lr", "0.1"});
      const auto r = run_valley(args);
      EXPECT_EQ(r.exit_status, 0) << r.err;
    }
  }
};

nlohmann::json without_timings(nlohmann::json j) {
  j.erase("seconds");
  return j;
}

TEST(FlatnessCommand, SameJsonForOneAndTwoThreads) {
  Runs runs;
  std::vector<nlohmann::json> docs;
  for (const char* threads : {"1", "2"}) {
    const std::string out = (runs.dir / (std::string("flat-") + threads)).string();
    const auto r = run_valley({"flatness", runs.a, runs.b, "--quick", "--subset", "200", "--threads", threads,
                               "--out", out, "--between", runs.a, runs.b, "--seed", "5"});
    ASSERT_EQ(r.exit_status, 0) << r.err;
    EXPECT_NE(r.out.find("lambda_1"), std::string::npos) << r.out;
    for (const char* file : {"flatness.json", "profiles.csv", "spectrum.csv", "landscape_1d.csv",
                             "landscape_2d.csv", "interpolation.csv", "flatness.gp"})
      EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(out) / file)) << file;
    docs.push_back(nlohmann::json::parse(read_text(std::filesystem::path(out) / "flatness.json")));
  }
  const nlohmann::json& run = docs[0]["runs"][0];
  EXPECT_EQ(run["subset"]["images"], 200);
  EXPECT_EQ(run["measures"]["profiles"].size(), 9u);
  EXPECT_EQ(run["measures"]["hessian"]["top"].size(), 5u);
  EXPECT_GT(run["measures"]["hessian"]["top"][0]["value"].get<double>(), 0.0);
  EXPECT_EQ(without_timings(docs[0]).dump(), without_timings(docs[1]).dump());
  // Different runs, same draws: the two runs' numbers differ.
  EXPECT_NE(docs[0]["runs"][0]["measures"]["subset_loss"], docs[0]["runs"][1]["measures"]["subset_loss"]);
}

int64_t count_lines(const std::string& text) { return std::count(text.begin(), text.end(), '\n'); }

void expect_rejected(const std::vector<std::string>& args, const std::string& needle) {
  const auto result = run_valley(args);
  EXPECT_EQ(result.exit_status, 2) << result.err;
  EXPECT_NE(result.err.find(needle), std::string::npos) << result.err;
  EXPECT_EQ(count_lines(result.err), 1) << result.err;
}

TEST(FlatnessCommand, RejectsBadRunsAndFlagsInOneLine) {
  Runs runs;
  const std::string out = (runs.dir / "flat").string();
  expect_rejected({"flatness", (runs.dir / "nothing").string(), "--out", out}, "nothing");
  expect_rejected({"flatness", runs.data, "--out", out}, "model.safetensors");
  expect_rejected({"flatness", runs.a, "--out", out, "--subset", "0"}, "--subset");
  expect_rejected({"flatness", runs.a, "--out", out, "--subset", "ten"}, "--subset");
  expect_rejected({"flatness", runs.a, "--out", out, "--subset", "301"}, "--subset");
  expect_rejected({"flatness", runs.a, "--out", out, "--threads", "0"}, "--threads");
  expect_rejected({"flatness", runs.a, "--out", out, "--between", runs.a}, "--between");
  expect_rejected({"flatness", runs.a}, "--out");
  // A truncated model file is named.
  const auto bytes = read_text(std::filesystem::path(runs.b) / "model.safetensors");
  testing::write_bytes(std::filesystem::path(runs.b) / "model.safetensors",
                       bytes.substr(0, bytes.size() / 2));
  expect_rejected({"flatness", runs.b, "--out", out}, "model.safetensors");
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::path(out) / "flatness.json"));
}

}  // namespace
}  // namespace valley
