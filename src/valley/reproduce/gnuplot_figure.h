// An experiment's figure, drawn by gnuplot like the paper's: one panel per
// entry of the figure's "panels", one curve per run — the mean over seeds,
// with a band of ± one standard deviation.
//
// The horizontal axis is the updates, or the minibatch evaluations (the
// figure's "x"); a panel may plot another metric than the figure's (its own
// "metric"), read from curves/<run>.<metric>.csv.
//
// Into `dir` go curves/<run>.csv (update,mean,sd,min,max,n_seeds,evaluations), the script
// figure.gp (`cd dir && gnuplot figure.gp` redraws figure.png) and
// figure.png, each written atomically.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "valley/reproduce/experiment.h"
#include "valley/reproduce/run_results.h"

namespace valley {

struct FigureFiles {
  std::filesystem::path script;
  std::filesystem::path png;
  bool drawn = false;  // false: gnuplot is not installed; the script is there to run later
};

// The gnuplot script of `figure`, reading curves/<run>.csv of seeds 1 … n_seeds.
std::string gnuplot_script(const Experiment& experiment, const FigureSpec& figure, int64_t n_seeds);

// The mean curve of `metric` of a run over seeds, as CSV.
std::string curve_csv(const RunResults& results, const std::string& metric);

// Writes the curves and the script and runs gnuplot; fails with gnuplot's
// first error line when gnuplot is installed but fails.
FigureFiles draw_figure(const Experiment& experiment, const FigureSpec& figure,
                        const std::vector<RunResults>& results, int64_t n_seeds,
                        const std::filesystem::path& dir);

}  // namespace valley
