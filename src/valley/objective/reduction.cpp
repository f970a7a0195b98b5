#include "valley/objective/reduction.h"

#include "valley/core/error.h"

namespace valley {

void Reduction::project_out(VecRef v) const {
  theta_.resize(reduced_dim());
  seen_.resize(v.size());
  reduce(v, theta_);
  expand(theta_, seen_);
  v -= seen_;
}

std::unique_ptr<Reduction> require_reduction(Objective& f) {
  std::unique_ptr<Reduction> reduction = f.make_reduction();
  if (!reduction)
    fail("--sampler projected needs one minibatch per update (--inner-batch same) and a network");
  return reduction;
}

}  // namespace valley
