#include "valley/objective/objective.h"

namespace valley {

void Objective::compute_losses(ConstSamplesRef xs, std::span<double> out) {
  for (Eigen::Index s = 0; s < xs.cols(); ++s) out[static_cast<std::size_t>(s)] = compute_loss(xs.col(s));
}

}  // namespace valley
