// The right-hand sides of the variational characterizations at q = q_{x,τ}:
//   Theorem 1 (eq. 8):  F_τ(x)   = E_q f + KL(q ‖ φ_{x,τ})
//   Theorem 3 (eq. 13): F^H_τ(x) = log E_q exp(f) + KL(φ_{x,τ} ‖ q)
// computed apart from the left-hand sides, so that comparing the two checks
// the theorems, the definitions and normalizations (eqs. 2, 6, 7, §2.2), and
// the quadrature at once: here q_{x,τ}(x') = exp(−f(x') − |x − x'|²/(2τ))/Z_{x,τ}
// and φ_{x,τ}(x') = (2πτ)^{−1} exp(−|x' − x|²/(2τ)) are evaluated from their
// formulas on a midpoint grid in x' (Lebesgue weights h², a box of half-width
// (L + 1)√τ about x, spacing 0.8 times the Gaussian rule's √τ δ), and the
// divergences are Σ h² p log(p/q) (eq. 7). The left-hand sides come from the
// trapezoid rule of toy/regularized_losses.h, whose nodes are all different.
// d = 2.
#pragma once

#include <Eigen/Dense>

#include "valley/numerics/gaussian_rule.h"
#include "valley/toy/wells_loss.h"

namespace valley {

struct VariationalTerms {
  double expected_loss = 0.0;          // E_q f
  double kl_q_phi = 0.0;               // KL(q ‖ φ_{x,τ})
  double log_expected_exp_loss = 0.0;  // log E_q exp(f)
  double kl_phi_q = 0.0;               // KL(φ_{x,τ} ‖ q)

  double theorem_1() const { return expected_loss + kl_q_phi; }          // = F_τ(x)
  double theorem_3() const { return log_expected_exp_loss + kl_phi_q; }  // = F^H_τ(x)
};

VariationalTerms variational_terms(const WellsLoss& f, const Eigen::Vector2d& x, double tau,
                                   const QuadratureSettings& settings);

}  // namespace valley
