// f(x) = ½ (x − m)ᵀ A (x − m) with A symmetric positive definite: the loss
// where everything in the paper is closed-form, used to check the methods.
//   q_{x,τ} = N((A + I/τ)⁻¹(A m + x/τ), (A + I/τ)⁻¹)            (eq. 6)
//   F_τ(x)  = ½ (x − m)ᵀ (A⁻¹ + τI)⁻¹ (x − m) + ½ log det(I + τA)  (eq. 2)
//   ∇F_τ(x) = (x − E_q X)/τ                                        (eq. 12)
//   F^H_τ(x) = f(x) + (τ/2) tr A                                   (§2.2)
//   heat step (Alg. 2): the x solving x − x_k + τ A (x − m) = 0     (§5.2)
#pragma once

#include <Eigen/Dense>

#include "valley/objective/objective.h"

namespace valley {

class Quadratic final : public Objective {
 public:
  Quadratic(Eigen::MatrixXd a, Eigen::VectorXd m);

  int64_t dim() const override { return m_.size(); }

  Eigen::VectorXd mean_of_q(const Eigen::VectorXd& x, double tau) const;
  Eigen::MatrixXd covariance_of_q(double tau) const;
  double local_entropy(const Eigen::VectorXd& x, double tau) const;
  double heat_regularized(const Eigen::VectorXd& x, double tau) const;
  Eigen::VectorXd heat_step(const Eigen::VectorXd& x_k, double tau) const;
  double exact_loss(const Eigen::VectorXd& x) const;

 protected:
  double compute_loss(ConstVecRef x) override;
  double compute_gradient(ConstVecRef x, VecRef grad) override;

 private:
  Eigen::MatrixXd a_;
  Eigen::VectorXd m_;
};

}  // namespace valley
