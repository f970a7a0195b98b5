#include "valley/objective/reduction.h"

namespace valley {

void Reduction::project_out(VecRef v) const {
  theta_.resize(reduced_dim());
  seen_.resize(v.size());
  reduce(v, theta_);
  expand(theta_, seen_);
  v -= seen_;
}

}  // namespace valley
