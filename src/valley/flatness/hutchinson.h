// Hutchinson's trace estimator (Hutchinson 1990; PyHessian's `trace`):
//   tr H = E[zᵀ H z] for z with independent Rademacher (±1) entries,
// estimated by the mean of n probes, with its standard error s/√n (s the
// sample standard deviation of zᵀHz). Probe k's signs are the top bits of the
// counter-based stream (key, j = k): the same probes for every run compared
// and for any thread count. d = dimension.
#pragma once

#include <cstdint>

#include "valley/flatness/lanczos.h"
#include "valley/random/philox_normal.h"

namespace valley {

struct TraceEstimate {
  double trace = 0.0;
  double standard_error = 0.0;
  int n_probes = 0;
};

// Rademacher probe number `probe` of dimension d.
Eigen::VectorXd rademacher_probe(const NoiseKey& key, int probe, int64_t d);

TraceEstimate hutchinson_trace(const LinearOperator& h, int64_t d, int n_probes, const NoiseKey& key);

}  // namespace valley
