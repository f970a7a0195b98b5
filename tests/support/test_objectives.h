// Objectives with known answers for the method tests.
#pragma once

#include <Eigen/Dense>

#include "valley/objective/objective.h"
#include "valley/objective/quadratic.h"

namespace valley::testing {

// A 3-D quadratic f(x) = ½(x − m)ᵀA(x − m) with a well-conditioned SPD A.
inline Quadratic make_quadratic() {
  Eigen::MatrixXd a(3, 3);
  a << 2.0, 0.3, 0.1,  //
      0.3, 1.0, -0.2,  //
      0.1, -0.2, 1.5;
  return Quadratic(a, Eigen::Vector3d(0.5, -1.0, 0.25));
}

// f + c: the same q_{x,τ} for any constant c, and loss values around c.
class Shifted final : public Objective {
 public:
  Shifted(Objective& base, double shift) : base_(base), shift_(shift) {}
  int64_t dim() const override { return base_.dim(); }

 protected:
  double compute_loss(ConstVecRef x) override { return base_.loss(x) + shift_; }
  double compute_gradient(ConstVecRef x, VecRef grad) override { return base_.gradient(x, grad) + shift_; }

 private:
  Objective& base_;
  double shift_;
};

// The same loss at every x: all importance weights are equal.
class Constant final : public Objective {
 public:
  Constant(int64_t d, double value) : d_(d), value_(value) {}
  int64_t dim() const override { return d_; }

 protected:
  double compute_loss(ConstVecRef) override { return value_; }
  double compute_gradient(ConstVecRef, VecRef grad) override {
    grad.setZero();
    return value_;
  }

 private:
  int64_t d_;
  double value_;
};

inline Eigen::VectorXd to_double(const Vec& v) { return v.cast<double>(); }

}  // namespace valley::testing
