// The toy losses of Figures 1–2: a weak quadratic confinement minus Gaussian
// wells, in d = 2,
//   f(x) = ½ (x − m)ᵀ A (x − m) − Σ_i a_i exp(−|x − c_i|²/(2 w_i²)).
// A well with small width w_i is sharp, one with large w_i wide; a_i is its
// depth. With no wells f is the quadratic of objective/quadratic.h.
//
// f implements Objective, so the methods run on it unchanged (in float, as on
// a network); the quadrature of the toy figures calls exact_loss and
// exact_gradient in double.
//
// Because f ↦ F^H_τ is linear (§2.2: F^H_τ = f ∗ φ_{0,τ}) and a Gaussian
// convolved with a Gaussian is a Gaussian, the heat-regularized loss is closed
// form here (d = 2):
//   F^H_τ(x) = ½ (x − m)ᵀ A (x − m) + (τ/2) tr A
//              − Σ_i a_i (w_i²/(w_i² + τ)) exp(−|x − c_i|²/(2 (w_i² + τ)))
// The figures compute F^H_τ by quadrature like F_τ; this formula checks them.
#pragma once

#include <vector>

#include <Eigen/Dense>

#include "valley/objective/objective.h"

namespace valley {

struct Well {
  Eigen::Vector2d centre;  // c_i
  double depth = 1.0;      // a_i
  double width = 1.0;      // w_i
};

struct WellsSettings {
  Eigen::Matrix2d a = Eigen::Matrix2d::Zero();  // A, symmetric positive semidefinite
  Eigen::Vector2d m = Eigen::Vector2d::Zero();
  std::vector<Well> wells;
};

class WellsLoss final : public Objective {
 public:
  explicit WellsLoss(WellsSettings settings);

  int64_t dim() const override { return 2; }
  // exact_loss is a pure function: any number of threads may evaluate it.
  int n_workers() const override { return 1 << 16; }

  double exact_loss(const Eigen::Vector2d& x) const;
  Eigen::Vector2d exact_gradient(const Eigen::Vector2d& x) const;

  // F^H_τ(x) and ∇F^H_τ(x) in closed form (see above).
  double heat_regularized(const Eigen::Vector2d& x, double tau) const;
  Eigen::Vector2d heat_gradient(const Eigen::Vector2d& x, double tau) const;

  // The narrowest feature of exp(−f), which sets the quadrature's node
  // spacing: min_i w_i/√(1 + |a_i|) (∞ without wells). A well contributes
  // exp(a e^{−r²/(2w²)}) = Σ_n aⁿ/n! e^{−n r²/(2w²)}, whose weight lies near
  // n ≈ a, on Gaussians of width w/√n.
  double length_scale() const;

  const WellsSettings& settings() const { return settings_; }

 protected:
  double compute_loss(ConstVecRef x) override;
  double compute_gradient(ConstVecRef x, VecRef grad) override;
  // f(x + σξ) with x + σξ formed in double, so that quadrature nodes are not
  // rounded to float before f sees them.
  double compute_perturbed_loss(ConstVecRef xi, int worker) override;

 private:
  WellsSettings settings_;
};

}  // namespace valley
