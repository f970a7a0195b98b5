// Estimators of μ = E_{X∼q_{x,τ}}[X] (eq. 15), the mean of
// q_{x,τ}(x') ∝ exp(−f(x') − |x − x'|²/(2τ)) (eq. 6): the second step of
// Algorithm 1. SGLD (Alg. 3) and importance sampling (Alg. 4) are the
// paper's; exact quadrature (for d ≤ 2) is the toy landscapes'.
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "valley/core/error.h"
#include "valley/core/types.h"
#include "valley/objective/objective.h"

namespace valley {

struct MeanEstimate {
  double ess = std::numeric_limits<double>::quiet_NaN();  // IS: (Σw)²/Σw²; else NaN
};

class MeanEstimator {
 public:
  virtual ~MeanEstimator() = default;

  virtual std::string name() const = 0;

  // Writes the estimate of E_{q_{x,τ}}[X] into `mean`. k is the outer update
  // (it selects the random streams).
  virtual MeanEstimate estimate_mean(ConstVecRef x, double tau, Objective& f, uint64_t k, VecRef mean) = 0;

  virtual nlohmann::json settings() const = 0;

  // What the estimator carries from one update to the next (the SGLD chain), for
  // checkpoints: restore_state(state()) on a fresh estimator continues exactly
  // where this one is. Empty for estimators that carry nothing.
  virtual std::vector<float> state() const { return {}; }
  virtual void restore_state(std::span<const float> state) {
    if (!state.empty()) fail("{} carries no state, but was given {} numbers", name(), state.size());
  }
};

}  // namespace valley
