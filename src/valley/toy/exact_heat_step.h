// The exact second step of Algorithm 2 on a toy loss:
//   x_{k+1} = a minimizer of x ↦ KL(φ_{x,τ} ‖ q_{x_k,τ}),
// found by solving (§5.2)
//   h(x) = x − x_k + τ E_{Y∼φ_{x,τ}} ∇f(Y) = 0
// with the expectation by quadrature (toy/regularized_losses.h) inside a
// damped Newton iteration. Expanding the divergence,
//   KL(φ_{x,τ} ‖ q_{x_k,τ}) = F^H_τ(x) + |x − x_k|²/(2τ) + log Z_{x_k,τ} − (d/2) log(2πτ),
// so the step minimizes G(x) = F^H_τ(x) + |x − x_k|²/(2τ), whose gradient is
// h(x)/τ and whose Hessian is ∇²F^H_τ(x) + I/τ. Newton's direction
// −(I + τ∇²F^H_τ)⁻¹ h (or −h where that matrix is not positive definite) is
// searched backwards from a full step until G decreases enough (Armijo).
//
// Reading the paper leaves open: minimizers "need not be unique" (§4.1); this
// step takes the local minimizer that descent from x_k reaches. Since
// G(x_{k+1}) ≤ G(x_k) = F^H_τ(x_k), Theorem 4's F^H_τ(x_{k+1}) ≤ F^H_τ(x_k)
// holds for it as for a global one — indeed with |x_{k+1} − x_k|²/(2τ) to spare.
#pragma once

#include <Eigen/Dense>

#include "valley/toy/regularized_losses.h"

namespace valley {

struct HeatSolveSettings {
  double tolerance = 1e-11;  // stop when |h(x)| ≤ tolerance (x units)
  int max_iterations = 100;
};

struct HeatStepResult {
  Eigen::Vector2d x = Eigen::Vector2d::Zero();  // x_{k+1}
  double residual = 0.0;                        // |h(x_{k+1})|
  int n_iterations = 0;
};

HeatStepResult exact_heat_step(const RegularizedLosses& losses, const Eigen::Vector2d& x_k,
                               const HeatSolveSettings& settings = {});

}  // namespace valley
