#include "valley/objective/quadratic.h"

#include <cmath>

namespace valley {

Quadratic::Quadratic(Eigen::MatrixXd a, Eigen::VectorXd m) : a_(std::move(a)), m_(std::move(m)) {}

double Quadratic::exact_loss(const Eigen::VectorXd& x) const {
  const Eigen::VectorXd r = x - m_;
  return 0.5 * r.dot(a_ * r);
}

Eigen::VectorXd Quadratic::mean_of_q(const Eigen::VectorXd& x, double tau) const {
  const Eigen::MatrixXd precision = a_ + Eigen::MatrixXd::Identity(dim(), dim()) / tau;
  return precision.ldlt().solve(a_ * m_ + x / tau);
}

Eigen::MatrixXd Quadratic::covariance_of_q(double tau) const {
  const Eigen::MatrixXd precision = a_ + Eigen::MatrixXd::Identity(dim(), dim()) / tau;
  return precision.inverse();
}

double Quadratic::local_entropy(const Eigen::VectorXd& x, double tau) const {
  const Eigen::MatrixXd identity = Eigen::MatrixXd::Identity(dim(), dim());
  const Eigen::VectorXd r = x - m_;
  // (A⁻¹ + τI)⁻¹ = A (I + τA)⁻¹
  const Eigen::MatrixXd i_plus_tau_a = identity + tau * a_;
  const double quadratic = r.dot(a_ * i_plus_tau_a.ldlt().solve(r));
  return 0.5 * quadratic + 0.5 * std::log(i_plus_tau_a.determinant());
}

double Quadratic::heat_regularized(const Eigen::VectorXd& x, double tau) const {
  return exact_loss(x) + 0.5 * tau * a_.trace();
}

Eigen::VectorXd Quadratic::heat_step(const Eigen::VectorXd& x_k, double tau) const {
  const Eigen::MatrixXd identity = Eigen::MatrixXd::Identity(dim(), dim());
  return (identity + tau * a_).ldlt().solve(x_k + tau * a_ * m_);
}

double Quadratic::compute_loss(ConstVecRef x) { return exact_loss(x.cast<double>()); }

double Quadratic::compute_gradient(ConstVecRef x, VecRef grad) {
  const Eigen::VectorXd xd = x.cast<double>();
  grad = (a_ * (xd - m_)).cast<float>();
  return exact_loss(xd);
}

}  // namespace valley
