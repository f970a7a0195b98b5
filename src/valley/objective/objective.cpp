#include "valley/objective/objective.h"

#include "valley/objective/reduction.h"

namespace valley {

std::unique_ptr<Reduction> Objective::make_reduction() { return nullptr; }

double Objective::compute_perturbed_loss(ConstVecRef xi, int /*worker*/) {
  point_ = centre_ + sigma_ * xi;
  return compute_loss(point_);
}

void Objective::compute_perturbed_gradient_sum(int64_t n_draws, const DrawFn& draw, VecRef grad_sum) {
  const Eigen::Index d = centre_.size();
  xi_.resize(d);
  grad_.resize(d);
  grad_sum.setZero();
  for (int64_t m = 0; m < n_draws; ++m) {
    draw(m, {xi_.data(), static_cast<std::size_t>(d)});
    point_ = centre_ + sigma_ * xi_;
    compute_gradient(point_, grad_);
    grad_sum += grad_;
  }
}

}  // namespace valley
