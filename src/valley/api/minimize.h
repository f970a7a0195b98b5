// Runs a method on any objective, one update at a time, with callbacks: the
// outer loop of Algorithms 1, 2 and 5 (and of SGD) without the network,
// the data or the output files of `valley train`.
//
//   valley::FunctionObjective f(d, loss, gradient);
//   valley::MethodConfig method;            // the CLI's names and defaults
//   method.name = "sgld";                   // sgd | sgld | is | heat
//   method.regularization.tau = 0.05;
//   valley::MinimizeOptions options;  options.n_updates = 200;
//   valley::MinimizeResult r = valley::minimize(f, x0, method, options);
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "valley/core/types.h"
#include "valley/methods/method_config.h"
#include "valley/objective/objective.h"

namespace valley {

struct MinimizeOptions {
  int64_t n_updates = 500;  // K, as --updates
  int n_threads = 1;        // as --threads (a FunctionObjective is called from one thread)
  bool record_loss = true;  // evaluate f(x_{k+1}) after each update (one more f each)
};

// What one update k → k+1 did.
struct UpdateReport {
  int64_t k = 0;         // the update that was just made (x_{k+1} is current)
  double loss = 0.0;     // f(x_{k+1}), NaN unless record_loss
  double tau = 0.0;      // τ(k), NaN for SGD
  double ess = 0.0;      // IS effective sample size, else NaN
  double seconds = 0.0;  // wall time of the update alone
  EvalCounts counts;     // f and ∇f evaluations of the update
};

enum class Next { proceed, stop };

struct MinimizeCallbacks {
  // After every update, with x_{k+1}: return Next::stop to end early (the
  // result then holds x_{k+1}). Exceptions it throws propagate.
  std::function<Next(const UpdateReport& report, ConstVecRef x)> on_update;
  // After every update: updates done and the total, for a progress line.
  std::function<void(int64_t done, int64_t total)> progress;
};

struct MinimizeResult {
  Vec x;                              // the last iterate
  std::vector<UpdateReport> history;  // one per update made
  bool stopped_early = false;         // on_update returned Next::stop
};

// Runs up to options.n_updates updates of the method named by method.name from
// x0. Promises: every setting is checked first, with the CLI's one-line
// messages naming the flag (valley::Error); x0 must have f.dim() finite
// numbers; --sampler auto means full sampling here (the projected samplers
// need a network); an error during update k (counted from 1, as in
// `valley train`), a non-finite f, ∇f or iterate included, stops the run with
// a valley::Error "update k: method m: ..." naming the quantity. Same seed,
// same numbers, for any n_threads.
MinimizeResult minimize(Objective& f, ConstVecRef x0, const MethodConfig& method,
                        const MinimizeOptions& options = {}, const MinimizeCallbacks& callbacks = {});

// The checks minimize() makes before it starts (for wrappers that check
// arguments apart from running).
void validate_minimize(const Objective& f, ConstVecRef x0, const MethodConfig& method,
                       const MinimizeOptions& options);

}  // namespace valley
