// Estimators of μ = E_{X∼q_{x,τ}}[X] (eq. 15), the mean of
// q_{x,τ}(x') ∝ exp(−f(x') − |x − x'|²/(2τ)) (eq. 6): the second step of
// Algorithm 1. SGLD (Alg. 3) and importance sampling (Alg. 4) are the
// paper's; exact quadrature (for d ≤ 2) is the toy landscapes'.
#pragma once

#include <cstdint>
#include <limits>
#include <string>

#include <nlohmann/json.hpp>

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
  virtual MeanEstimate estimate_mean(ConstVecRef x, double tau, Objective& f, uint64_t k,
                                     VecRef mean) = 0;

  virtual nlohmann::json settings() const = 0;
};

}  // namespace valley
