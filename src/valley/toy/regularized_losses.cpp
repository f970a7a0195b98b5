#include "valley/toy/regularized_losses.h"

#include <cmath>
#include <limits>
#include <vector>

namespace valley {

RegularizedLosses::RegularizedLosses(const WellsLoss& f, double tau, const QuadratureSettings& settings)
    : f_(f), tau_(tau), rule_(make_gaussian_rule(2, std::sqrt(tau), settings)) {}

RegularizedValues RegularizedLosses::at(const Eigen::Vector2d& x) const {
  const int64_t n = rule_.size();
  std::vector<double> losses(static_cast<std::size_t>(n));
  double min_loss = std::numeric_limits<double>::infinity();
  double heat = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const double loss = f_.exact_loss(x + rule_.sigma * rule_.nodes.col(i));  // f(x + √τ ξ_i)
    losses[static_cast<std::size_t>(i)] = loss;
    min_loss = std::min(min_loss, loss);
    heat += rule_.weights[i] * loss;  // F^H_τ(x) = Σ w_i f(x_i)
  }
  // Z e^{f_min} = Σ w_i exp(−(f_i − f_min)), and the q-weighted sums beside it.
  double z = 0.0, loss_sum = 0.0;
  Eigen::Vector2d xi_sum = Eigen::Vector2d::Zero();
  for (int64_t i = 0; i < n; ++i) {
    const double loss = losses[static_cast<std::size_t>(i)];
    const double weight = rule_.weights[i] * std::exp(-(loss - min_loss));
    z += weight;
    loss_sum += weight * loss;
    xi_sum += weight * rule_.nodes.col(i);
  }
  RegularizedValues out;
  out.local_entropy = min_loss - std::log(z);    // eq. 2: −log Z
  out.heat = heat;                               // §2.2
  out.mean_of_q = x + rule_.sigma * xi_sum / z;  // eq. 15
  out.mean_loss_of_q = loss_sum / z;
  return out;
}

HeatDerivatives RegularizedLosses::heat_derivatives(const Eigen::Vector2d& x) const {
  HeatDerivatives out;
  for (int64_t i = 0; i < rule_.size(); ++i) {
    const Eigen::Vector2d offset = rule_.sigma * rule_.nodes.col(i);  // Y − x
    const Eigen::Vector2d grad = f_.exact_gradient(x + offset);
    out.gradient += rule_.weights[i] * grad;                      // E_φ ∇f(Y)
    out.hessian += rule_.weights[i] * grad * offset.transpose();  // E_φ[∇f(Y)(Y − x)ᵀ]
  }
  out.hessian /= tau_;
  out.hessian = 0.5 * (out.hessian + out.hessian.transpose()).eval();  // symmetric in exact arithmetic
  return out;
}

}  // namespace valley
