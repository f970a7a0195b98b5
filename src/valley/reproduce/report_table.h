// The Markdown table of an experiment: the paper's numbers (one run) beside
// valley's mean ± standard deviation over seeds.
//   accuracy (Table 1): held-out accuracy after each of the table's updates,
//            a "paper" row above a "valley" row for each run.
//   seconds (Table 2):  seconds per update and its ratio to the baseline run,
//            the paper's beside valley's.
//   final (runs of different lengths at an equal budget of evaluations):
//            per run its updates, evaluations, seconds, final accuracy and
//            loss; with "equal_time", a second table at equal wall time:
//            for each network, the budget T is the smallest total update time
//            (mean over seeds) of its runs, and each seed of each run is read
//            at its last evaluation row within T seconds of updates (the
//            evaluations themselves not counted) — the runs truncated to the
//            fastest run's time, not trained again.
// A cell over fewer seeds than asked for says how many ("n=2"); one without
// any is "—". Below the table, a line for each seed that diverged, failed or
// has not run.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "valley/reproduce/experiment.h"
#include "valley/reproduce/run_results.h"

namespace valley {

std::string markdown_table(const Experiment& experiment, const std::vector<RunResults>& results,
                           int64_t n_seeds);

}  // namespace valley
