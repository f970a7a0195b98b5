// `valley landscape` as a user meets it: one-line errors with exit status 2
// for bad flags, the theorem table with exit status 0, and the CSV files
// (and PNGs, where gnuplot is installed) of Figures 1–3.
#include <algorithm>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "support/fixtures.h"
#include "support/run_command.h"
#include "support/temp_dir.h"
#include "valley/plot/gnuplot.h"

namespace valley {
namespace {

using testing::read_text;
using testing::run_valley;
using testing::TempDir;

int64_t count_lines(const std::string& text) { return std::count(text.begin(), text.end(), '\n'); }

void expect_rejected(const std::vector<std::string>& args, const std::string& needle) {
  const auto result = run_valley(args);
  EXPECT_EQ(result.exit_status, 2) << result.err;
  EXPECT_NE(result.err.find(needle), std::string::npos) << result.err;
  EXPECT_EQ(count_lines(result.err), 1) << result.err;
}

TEST(LandscapeCommand, RejectsBadFlagsNamingTheFlag) {
  TempDir dir;
  const std::string out = (dir / "figs").string();
  expect_rejected({"landscape", "--out", out, "--tau", "0"}, "--tau");
  expect_rejected({"landscape", "--out", out, "--tau", "-1"}, "--tau");
  expect_rejected({"landscape", "--out", out, "--tau", "nan"}, "--tau");
  expect_rejected({"landscape", "--out", out, "--tau", "2"}, "--tau");
  expect_rejected({"landscape", "--out", out, "--loss", "volcano"}, "--loss");
  expect_rejected({"landscape", "--out", out, "--steps", "0"}, "--steps");
  expect_rejected({"landscape", "--out", out, "--samples", "0"}, "--samples");
  expect_rejected({"landscape", "--out", out, "--grid", "1"}, "--grid");
  expect_rejected({"landscape", "--out", out, "--threads", "0"}, "--threads");
  expect_rejected({"landscape"}, "--out");
  expect_rejected({"landscape", "--kl-directions"}, "--out");
  expect_rejected({"landscape", "--kl-directions", "--check-theorems"}, "--out");
  EXPECT_FALSE(std::filesystem::exists(dir / "figs")) << "a rejected command left an output directory";
}

TEST(LandscapeCommand, CheckTheoremsPrintsAPassingTable) {
  const auto result = run_valley(
      {"landscape", "--check-theorems", "--loss", "bowl", "--check-starts", "3", "--check-steps", "5"});
  EXPECT_EQ(result.exit_status, 0) << result.out << result.err;
  for (const char* claim : {"Theorem 1", "Theorem 2", "Theorem 3", "Theorem 4", "eq. 12", "|h(x_k+1)|"})
    EXPECT_NE(result.out.find(claim), std::string::npos) << claim << " missing from\n" << result.out;
  EXPECT_EQ(result.out.find("FAIL"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("all checks passed"), std::string::npos) << result.out;
}

TEST(LandscapeCommand, WritesMapsTrajectoriesAndFigures) {
  TempDir dir;
  const auto result = run_valley({"landscape", "--out", (dir / "figs").string(), "--loss", "bowl", "--grid",
                                  "21", "--steps", "3", "--samples", "9"});
  ASSERT_EQ(result.exit_status, 0) << result.out << result.err;
  const std::string maps = read_text(dir / "figs" / "maps.csv");
  EXPECT_EQ(maps.substr(0, maps.find('\n')), "x1,x2,f,F_tau,F_heat");
  EXPECT_EQ(count_lines(maps), 1 + 21 * 21);
  const std::string trajectories = read_text(dir / "figs" / "trajectories.csv");
  EXPECT_EQ(count_lines(trajectories), 1 + 8 * 5 * 4);  // 8 starts × 5 methods × (K + 1) points
  for (const char* method : {"alg1-exact", "sgld", "is", "alg2-exact", "heat-rm"})
    EXPECT_NE(trajectories.find(std::string("\n") + method + ","), std::string::npos) << method;
  EXPECT_TRUE(std::filesystem::exists(dir / "figs" / "landscape.gp"));
  EXPECT_TRUE(std::filesystem::exists(dir / "figs" / "landscape.json"));
  if (gnuplot_available()) {
    for (const std::string png : {"fig1_local_entropy.png", "fig2_heat.png", "fig_estimators.png"}) {
      EXPECT_GT(std::filesystem::file_size(dir / "figs" / png), 1000u) << png;
      EXPECT_FALSE(std::filesystem::exists(dir / "figs" / (png + ".tmp"))) << png;
    }
  } else {
    EXPECT_NE(result.out.find("gnuplot not found"), std::string::npos) << result.out;
  }
}

TEST(LandscapeCommand, KlDirectionsWritesFigure3) {
  TempDir dir;
  const auto result = run_valley({"landscape", "--kl-directions", "--out", (dir / "figs").string()});
  ASSERT_EQ(result.exit_status, 0) << result.out << result.err;
  const std::string fits = read_text(dir / "figs" / "fig3_fits.csv");
  EXPECT_EQ(count_lines(fits), 1 + 1 + 2) << fits;  // header, mean seeking, two mode-seeking fits
  EXPECT_NE(fits.find("mean-seeking,"), std::string::npos);
  if (gnuplot_available()) {
    EXPECT_TRUE(std::filesystem::exists(dir / "figs" / "fig3_kl_directions.png"));
  }
}

}  // namespace
}  // namespace valley
