// The regularized losses of a toy loss at one point x, by quadrature in
// double (numerics/gaussian_rule.h), with x' = x + √τ ξ_i ∼ φ_{x,τ}:
//   F_τ(x)      = −log ∫ exp(−f(x')) φ_{x,τ}(x') dx'          (eq. 2)
//   F^H_τ(x)    = ∫ f(x') φ_{x,τ}(x') dx'                     (§2.2)
//   E_{q_{x,τ}}[X] and E_{q_{x,τ}}[f]: q_{x,τ} ∝ exp(−f) φ_{x,τ}  (eq. 6, 15)
//   ∇F^H_τ(x)   = E_{φ_{x,τ}} ∇f                              (§5.2)
//   ∇²F^H_τ(x)  = E_{φ_{x,τ}}[∇f(Y) (Y − x)ᵀ] / τ               (Gaussian integration by parts)
// exp(−f) is summed relative to its largest value at the nodes (log-sum-exp),
// so deep wells neither overflow nor underflow.
#pragma once

#include <Eigen/Dense>

#include "valley/numerics/gaussian_rule.h"
#include "valley/toy/wells_loss.h"

namespace valley {

struct RegularizedValues {
  double local_entropy = 0.0;                           // F_τ(x)
  double heat = 0.0;                                    // F^H_τ(x)
  Eigen::Vector2d mean_of_q = Eigen::Vector2d::Zero();  // E_{q_{x,τ}}[X]
  double mean_loss_of_q = 0.0;                          // E_{q_{x,τ}}[f]
};

struct HeatDerivatives {
  Eigen::Vector2d gradient = Eigen::Vector2d::Zero();  // ∇F^H_τ(x)
  Eigen::Matrix2d hessian = Eigen::Matrix2d::Zero();   // ∇²F^H_τ(x)
};

class RegularizedLosses {
 public:
  RegularizedLosses(const WellsLoss& f, double tau, const QuadratureSettings& settings);

  double tau() const { return tau_; }
  const GaussianRule& rule() const { return rule_; }

  RegularizedValues at(const Eigen::Vector2d& x) const;
  double local_entropy(const Eigen::Vector2d& x) const { return at(x).local_entropy; }
  double heat(const Eigen::Vector2d& x) const { return at(x).heat; }
  HeatDerivatives heat_derivatives(const Eigen::Vector2d& x) const;

 private:
  const WellsLoss& f_;
  double tau_;
  GaussianRule rule_;
};

}  // namespace valley
