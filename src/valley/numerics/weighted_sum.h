// A weighted sum of vectors Σ_j w^j v_j with weights w^j = exp(a_j) given by
// their logs, kept, like logsumexp.h's Σ_j w^j, in units of the largest
// weight so far: eq. 16's Σ_j w^j ξ_j and Σ_j w^j for importance sampling.
// Partial sums fold into one another in a fixed order (fold), so a sum split
// into blocks, threads or ranks gives the same bits as long as the blocks
// are folded in the same order.
#pragma once

#include <limits>

#include "valley/core/types.h"
#include "valley/numerics/logsumexp.h"

namespace valley {

struct WeightedSum {
  LogSumExp weights;  // Σ_j w^j (and Σ_j (w^j)²)
  Vec sum;            // Σ_j w^j v_j / exp(weights.max())

  // Empty, for vectors of d entries.
  void clear(Eigen::Index d) {
    weights = LogSumExp();
    sum.setZero(d);
  }

  // Adds exp(log_w) v (nothing when the weight is 0).
  void add(double log_w, const Vec& v) {
    if (log_w == -std::numeric_limits<double>::infinity()) return;  // w = 0
    const float rescale = static_cast<float>(weights.add(log_w));
    const float weight = static_cast<float>(weights.last_weight());
    if (rescale == 1.0f)
      sum += weight * v;
    else
      sum = rescale * sum + weight * v;
  }

  // Folds in `later`, the terms that come after this sum's in the fixed order.
  void fold(const WeightedSum& later) {
    const auto [own_scale, later_scale] = weights.merge(later.weights);
    if (own_scale != 1.0) sum *= static_cast<float>(own_scale);
    sum += static_cast<float>(later_scale) * later.sum;
  }
};

}  // namespace valley
