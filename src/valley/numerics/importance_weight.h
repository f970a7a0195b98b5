// The log-weight of one importance sample, log w^j = −β f(x^j) (eq. 16), as
// the CPU estimators and the device kernels all compute it. A NaN loss (the
// perturbed parameters overflowed) has no weight: the update stops, naming
// the sample (j counts from 0) and the flag that makes the samples smaller.
#pragma once

#include <cmath>
#include <cstdint>

#include "valley/core/error.h"

namespace valley {

inline double log_importance_weight(double beta, double loss, int64_t j) {
  if (std::isnan(loss))
    fail(
        "importance sampling: the loss of sample {} (at the perturbed parameters) is NaN; try a smaller "
        "--tau",
        j + 1);
  return -beta * loss;
}

}  // namespace valley
