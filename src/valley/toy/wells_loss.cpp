#include "valley/toy/wells_loss.h"

#include <cmath>
#include <limits>

#include "valley/core/error.h"

namespace valley {

WellsLoss::WellsLoss(WellsSettings settings) : settings_(std::move(settings)) {
  if (!settings_.a.isApprox(settings_.a.transpose()))
    fail("wells loss: the confinement matrix A must be symmetric");
  for (const Well& well : settings_.wells)
    if (!(well.width > 0 && std::isfinite(well.width) && std::isfinite(well.depth)))
      fail("wells loss: every well needs a finite depth and a width > 0 (got width {})", well.width);
}

double WellsLoss::exact_loss(const Eigen::Vector2d& x) const {
  const Eigen::Vector2d r = x - settings_.m;
  double f = 0.5 * r.dot(settings_.a * r);  // ½ (x − m)ᵀ A (x − m)
  for (const Well& well : settings_.wells)  // − a_i exp(−|x − c_i|²/(2 w_i²))
    f -= well.depth * std::exp(-(x - well.centre).squaredNorm() / (2 * well.width * well.width));
  return f;
}

Eigen::Vector2d WellsLoss::exact_gradient(const Eigen::Vector2d& x) const {
  Eigen::Vector2d grad = settings_.a * (x - settings_.m);
  for (const Well& well : settings_.wells) {
    const double w2 = well.width * well.width;
    const Eigen::Vector2d r = x - well.centre;
    // ∇[−a exp(−|r|²/(2w²))] = a exp(−|r|²/(2w²)) r / w²
    grad += well.depth * std::exp(-r.squaredNorm() / (2 * w2)) / w2 * r;
  }
  return grad;
}

double WellsLoss::heat_regularized(const Eigen::Vector2d& x, double tau) const {
  const Eigen::Vector2d r = x - settings_.m;
  double value = 0.5 * r.dot(settings_.a * r) + 0.5 * tau * settings_.a.trace();
  for (const Well& well : settings_.wells) {
    const double s2 = well.width * well.width + tau;  // w_i² + τ
    value -=
        well.depth * (well.width * well.width / s2) * std::exp(-(x - well.centre).squaredNorm() / (2 * s2));
  }
  return value;
}

Eigen::Vector2d WellsLoss::heat_gradient(const Eigen::Vector2d& x, double tau) const {
  Eigen::Vector2d grad = settings_.a * (x - settings_.m);
  for (const Well& well : settings_.wells) {
    const double s2 = well.width * well.width + tau;
    const Eigen::Vector2d r = x - well.centre;
    grad += well.depth * (well.width * well.width / s2) * std::exp(-r.squaredNorm() / (2 * s2)) / s2 * r;
  }
  return grad;
}

double WellsLoss::length_scale() const {
  double narrowest = std::numeric_limits<double>::infinity();
  for (const Well& well : settings_.wells)
    narrowest = std::min(narrowest, well.width / std::sqrt(1 + std::abs(well.depth)));
  return narrowest;
}

double WellsLoss::compute_loss(ConstVecRef x) { return exact_loss(x.cast<double>()); }

double WellsLoss::compute_gradient(ConstVecRef x, VecRef grad) {
  const Eigen::Vector2d xd = x.cast<double>();
  grad = exact_gradient(xd).cast<float>();
  return exact_loss(xd);
}

double WellsLoss::compute_perturbed_loss(ConstVecRef xi, int /*worker*/) {
  return exact_loss(centre().cast<double>() + static_cast<double>(sigma()) * xi.cast<double>());
}

}  // namespace valley
