// Numbers out of range on the command line: CLI11 reads integers with
// strtoll/strtoull, which clamp what does not fit, and reals with strtold,
// which rounds what is too small to a denormal or 0; the methods compute in
// float. Each such value must be refused in one line (exit status 2) that
// names the flag, before anything is read or written.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "support/fixtures.h"
#include "support/run_command.h"
#include "support/temp_dir.h"
#include "valley/core/error.h"

namespace valley {
namespace {

using testing::run_valley;
using testing::TempDir;

namespace fs = std::filesystem;

class BadInputValues : public ::testing::Test {
 protected:
  void SetUp() override { testing::write_synthetic_data_dir(dir_ / "data", 120, 30); }

  std::vector<std::string> train_args(std::vector<std::string> extra) const {
    std::vector<std::string> args = {"train",
                                     "--data",
                                     (dir_ / "data").string(),
                                     "--out",
                                     (dir_ / "new").string(),
                                     "--net",
                                     "784-10",
                                     "--updates",
                                     "4",
                                     "--eval-every",
                                     "2",
                                     "--eval-size",
                                     "20",
                                     "--no-progress"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  // Exit status 2, one line naming `flag` and saying `problem`, no run directory.
  void expect_error(const std::vector<std::string>& args, const std::string& flag,
                    const std::string& problem) {
    const auto result = run_valley(args);
    EXPECT_EQ(result.exit_status, 2) << result.err;
    EXPECT_EQ(result.err.rfind("valley: error: ", 0), 0u) << result.err;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
    EXPECT_NE(result.err.find(flag), std::string::npos) << "does not name " << flag << ": " << result.err;
    EXPECT_NE(result.err.find(problem), std::string::npos) << result.err;
    EXPECT_FALSE(fs::exists(dir_ / "new")) << "left an output directory behind";
  }

  TempDir dir_;
};

TEST_F(BadInputValues, AnUnsignedIntegerBeyond2To64IsRefusedNotClamped) {
  expect_error(train_args({"--seed", "18446744073709551616"}), "--seed",
               "18446744073709551616 is beyond the largest value, 18446744073709551615");
  expect_error({"flatness", "--out", (dir_ / "new").string(), "--seed", "99999999999999999999999",
                (dir_ / "run").string()},
               "--seed", "is beyond the largest value");
}

TEST_F(BadInputValues, ASignedIntegerBeyondInt64IsRefusedNotClamped) {
  expect_error(train_args({"--updates", "1180591620717411303424"}), "--updates",
               "1180591620717411303424 is beyond the largest value, 9223372036854775807");
  expect_error(train_args({"--batch", "-99999999999999999999"}), "--batch",
               "is beyond the smallest value, -9223372036854775808");
  expect_error(train_args({"--method", "sgld", "--samples", "99999999999999999999"}), "--samples",
               "is beyond the largest value");
  expect_error(train_args({"--lr-drops", "2,99999999999999999999"}), "--lr-drops",
               "is beyond the largest value");
}

TEST_F(BadInputValues, ARealThatUnderflowsIsRefusedNotRoundedToZero) {
  // 1e-320 is a denormal double, and 0 in float: a run with it trained nothing.
  expect_error(train_args({"--lr", "1e-320"}), "--lr", "1e-320 is too close to 0 to be told from it");
  // A normal double, but 0 in the float the updates compute in.
  expect_error(train_args({"--lr", "1e-50"}), "--lr", "too small for the float arithmetic it is used in");
  expect_error(train_args({"--method", "sgld", "--tau", "1e-45"}), "--tau", "too small for the float");
  expect_error(train_args({"--weight-decay", "1e-40"}), "--weight-decay", "too small for the float");
  expect_error(train_args({"--momentum", "1e-60"}), "--momentum", "too small for the float");
}

TEST_F(BadInputValues, ARealBeyondTheRangeIsRefused) {
  expect_error(train_args({"--lr", "1e999"}), "--lr", "1e999 is beyond the largest number");
  expect_error(train_args({"--lr", "1e39"}), "--lr", "too large for the float arithmetic it is used in");
  expect_error(train_args({"--method", "heat", "--rm-c", "1e300"}), "--rm-c", "too large for the float");
}

TEST_F(BadInputValues, TauHasAnUpperBoundFromTheFloatPrecisionOfTheSamples) {
  for (const char* method : {"sgld", "is", "heat"})
    expect_error(train_args({"--method", method, "--tau", "1e300"}), "--tau",
                 "must be ≤ 1e+08 (got 1e+300): the samples x + √τ ξ are computed in float");
  expect_error(train_args({"--method", "sgld", "--tau-schedule", "scoping", "--tau0", "1e9"}), "--tau0",
               "must be ≤ 1e+08");
  expect_error(train_args({"--method", "is", "--covariance", "diag", "--tau-max", "1e20"}), "--tau-max",
               "must be ≤ 1e+08");
}

TEST_F(BadInputValues, AnIntegerWithALeadingZeroOrARadixPrefixIsRefusedNotReadAsOctalOrHex) {
  // CLI11 alone reads --updates 010 as 8 and 0x10 as 16.
  expect_error(train_args({"--updates", "010"}), "--updates", "010 is not a decimal integer");
  expect_error(train_args({"--seed", "0x10"}), "--seed", "0x10 is not a decimal integer");
  expect_error(train_args({"--batch", "+0b11"}), "--batch", "+0b11 is not a decimal integer");
  expect_error(train_args({"--lr-drops", "2,08"}), "--lr-drops", "08 is not a decimal integer");
}

TEST_F(BadInputValues, ValuesAtTheEdgesOfTheRangesStillParse) {
  // The largest seed, and 0 for a setting that may be 0: accepted, and the
  // run goes on to fail only for its missing --out parent.
  const auto result = run_valley(train_args({"--seed", "18446744073709551615", "--weight-decay", "0", "--lr",
                                             "1e-30", "--out", (dir_ / "no" / "such" / "run").string()}));
  EXPECT_EQ(result.err.find("--seed"), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find("--weight-decay"), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find("--lr"), std::string::npos) << result.err;
  const auto largest_tau = run_valley(train_args({"--method", "is", "--tau", "1e8", "--samples", "2", "--out",
                                                  (dir_ / "no" / "such" / "run").string()}));
  EXPECT_EQ(largest_tau.err.find("must be ≤"), std::string::npos) << largest_tau.err;
}

}  // namespace
}  // namespace valley
