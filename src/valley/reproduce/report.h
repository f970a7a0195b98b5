// The report of an experiment, written from its runs' files into
// OUT/<experiment>/:
//   report.md    what was run, the table (paper beside valley), the machine
//                and the command that made it
//   runs.csv     every metrics row of every run and seed, with run, label,
//                seed and status in front
//   figure.png   the figure (figure.gp, curves/<run>.csv: see gnuplot_figure.h)
// Each file is written atomically.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "valley/reproduce/experiment.h"
#include "valley/reproduce/run_results.h"

namespace valley {

struct ReportContext {
  std::filesystem::path out_dir;
  int64_t n_seeds = 3;
  std::string command;  // the command line that made the report
  std::string data;     // what the runs trained on, in words
};

struct ReportFiles {
  std::filesystem::path dir;
  std::filesystem::path markdown;
  std::filesystem::path csv;
  std::filesystem::path figure_script;  // empty without a figure
  std::filesystem::path figure;         // empty without a figure or without gnuplot
};

// Reads the runs' results under context.out_dir and writes the report.
ReportFiles write_report(const Experiment& experiment, const ReportContext& context);

// All rows of all runs, as runs.csv holds them.
std::string runs_csv(const Experiment& experiment, const std::vector<RunResults>& results);

}  // namespace valley
