// Estimators of the first two moments of
//   q(y) ∝ exp(−β f(y)) N(y; x, diag(s)),
// the second step of Algorithm 1 with a diagonal covariance (methods/
// local_entropy_diagonal.h, docs/METHODS.md): E_q[Y] and the per-coordinate
// variances Var_q[Y_i]. Importance sampling takes both from the same weighted
// samples (sampling/diagonal_importance.h), SGLD from its chain
// (sampling/sgld.h). d = parameters.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "valley/core/error.h"
#include "valley/core/types.h"
#include "valley/objective/objective.h"
#include "valley/sampling/mean_estimator.h"

namespace valley {

class MomentsEstimator {
 public:
  virtual ~MomentsEstimator() = default;

  virtual std::string name() const = 0;

  // Writes E_q[Y] into `mean` and Var_q[Y_i] into `variance`, for the prior
  // N(x, diag(s)). k is the outer update (it selects the random streams).
  virtual MeanEstimate estimate_moments(ConstVecRef x, ConstVecRef s, Objective& f, uint64_t k, VecRef mean,
                                        VecRef variance) = 0;

  // The estimator's settings, as saved in config.json ("estimator", "samples", …).
  virtual nlohmann::json settings() const = 0;

  // What the estimator carries from one update to the next: whole vectors of
  // d numbers (the SGLD chains), n_state_vectors() of them once it has run.
  // (The names are MeanEstimator's, so that SGLD, which is both, has one of each.)
  virtual int64_t n_state_vectors() const { return 0; }
  virtual std::vector<float> state() const { return {}; }
  virtual void restore_state(std::span<const float> state) {
    if (!state.empty()) fail("{} carries no state, but was given {} numbers", name(), state.size());
  }
};

}  // namespace valley
