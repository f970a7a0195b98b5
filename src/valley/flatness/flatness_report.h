// The files `valley flatness` writes for a set of runs measured side by side,
// each atomically:
//   flatness.json       the settings, and per run every measure (docs/FLATNESS.md)
//   profiles.csv        run, label, tau, ΔF_τ (and CI, ESS), ΔF^H_τ (and CI), Laplace predictions
//   spectrum.csv        run, label, lambda, density (SLQ, smoothed, one grid for all runs)
//   landscape_1d.csv    run, label, direction, alpha, loss, accuracy
//   landscape_2d.csv    run, label, alpha, beta, loss (α-major, a blank line after each α)
//   interpolation.csv   alpha, loss, accuracy (with --between)
//   flatness.gp and profiles.png, spectrum.png, landscape_1d.png,
//   landscape_2d.png (identical contour levels in every panel), interpolation.png
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "valley/flatness/measure_run.h"

namespace valley {

struct MeasuredRun {
  std::string label;
  nlohmann::json json;  // the measures and the run's identity
  RunMeasures measures;
};

struct Between {
  std::string label_a, label_b;
  std::vector<LandscapePoint> curve;
};

// Writes the CSV files and the gnuplot script; returns the PNG names the
// script draws.
std::vector<std::string> write_flatness_files(const std::filesystem::path& dir,
                                              const std::vector<MeasuredRun>& runs,
                                              const std::optional<Between>& between);

// The side-by-side table (rows: measures, columns: runs), and the short one
// (rows: runs; held-out accuracy, train loss, ΔF_τ at τ = 0.01, λ_max, heat width).
std::string flatness_table(const std::vector<MeasuredRun>& runs);
std::string flatness_summary_table(const std::vector<MeasuredRun>& runs);

}  // namespace valley
