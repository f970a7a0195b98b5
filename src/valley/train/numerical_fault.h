// What went non-finite in an update whose new parameters x_{k+1} hold NaN or
// infinity, for the one-line error that stops the run. The trainer keeps x_k,
// so the loss f(x_k) and the gradient ∇f(x_k) on the update's minibatch can be
// checked after the fact; when both are finite, the method's own iterates
// (the SGLD chain, the Robbins–Monro steps, the SGD step) diverged, and the
// message names the setting that controls their step size.
#pragma once

#include <string>

#include "valley/core/types.h"
#include "valley/objective/objective.h"

namespace valley {

// `f` must have the update's minibatch selected; `step_hint` names the flag
// to change, e.g. "a smaller --lr".
std::string describe_non_finite_update(Objective& f, ConstVecRef x_start, ConstVecRef x_end,
                                       const std::string& step_hint);

// The flag that controls the step size of `method` ("sgd", "sgld", "is",
// "heat") at update k, given --sgd-first.
std::string step_size_hint(const std::string& method, int64_t k, int64_t n_sgd_first);

}  // namespace valley
