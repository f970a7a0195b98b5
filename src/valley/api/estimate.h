// One estimator alone, on any objective, for a given x and τ: what
// Algorithm 1 and Algorithm 5 do inside one update, without the outer loop.
// The settings come from MethodConfig with the CLI's names and defaults:
// tau = regularization.tau, J = n_samples (default 1000), ε0 = sgld.eps_0,
// β = is.beta, heat's J, M, c, α, and the seed.
#pragma once

#include <cstdint>

#include "valley/core/types.h"
#include "valley/methods/method_config.h"
#include "valley/objective/objective.h"

namespace valley {

struct LocalEntropyEstimate {
  Vec mean;          // μ ≈ E_{q_{x,τ}}[X] (eq. 15)
  Vec gradient;      // ∇F_τ(x) ≈ (x − μ)/τ (eq. 12)
  Vec step;          // x − η (x − μ)/τ (Alg. 1; = μ when η = τ, the default)
  double ess = 0.0;  // IS effective sample size (Σw)²/Σw², NaN for SGLD
  EvalCounts counts;
};

// E_{q_{x,τ}}[X] for q_{x,τ}(x') ∝ exp(−f(x') − |x − x'|²/(2τ)) (eq. 6) by SGLD
// (Alg. 3, method.name "sgld", needs ∇f; the chain starts at x) or importance
// sampling (Alg. 4, "is", f only), always with full sampling. k selects the
// random streams (the outer update it stands for). Promises: the settings are
// checked with the CLI's messages; x must have f.dim() finite numbers; the
// result is a pure function of (f, x, settings, seed, k); a non-finite f or
// ∇f is a valley::Error naming it.
LocalEntropyEstimate estimate_local_entropy(Objective& f, ConstVecRef x, const MethodConfig& method,
                                            uint64_t k = 0, int n_threads = 1);

// One update of Algorithm 5 (heat regularization by Robbins–Monro, eq. 17)
// from x with τ = method.regularization.tau and J, M, c, α of method.heat (or
// --samples S: M = J = ⌊√S⌋): returns x_{k+1}. Same promises as above.
Vec heat_step(Objective& f, ConstVecRef x, const MethodConfig& method, uint64_t k = 0, int n_threads = 1);

}  // namespace valley
