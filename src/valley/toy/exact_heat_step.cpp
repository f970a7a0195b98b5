#include "valley/toy/exact_heat_step.h"

#include <cmath>
#include <limits>

namespace valley {

HeatStepResult exact_heat_step(const RegularizedLosses& losses, const Eigen::Vector2d& x_k,
                               const HeatSolveSettings& settings) {
  const double tau = losses.tau();
  // G(x) = F^H_τ(x) + |x − x_k|²/(2τ): KL(φ_{x,τ} ‖ q_{x_k,τ}) up to a constant
  const auto g = [&](const Eigen::Vector2d& x) {
    return losses.heat(x) + (x - x_k).squaredNorm() / (2 * tau);
  };
  HeatStepResult out;
  Eigen::Vector2d x = x_k;
  double g_x = g(x);
  for (;; ++out.n_iterations) {
    const HeatDerivatives heat = losses.heat_derivatives(x);
    const Eigen::Vector2d h = x - x_k + tau * heat.gradient;  // §5.2: h(x)
    out.x = x;
    out.residual = h.norm();
    if (out.residual <= settings.tolerance || out.n_iterations == settings.max_iterations) break;
    // Newton on h: J = I + τ ∇²F^H_τ(x) is the Jacobian of h (τ times ∇²G).
    const Eigen::Matrix2d jacobian = Eigen::Matrix2d::Identity() + tau * heat.hessian;
    const Eigen::LLT<Eigen::Matrix2d> llt(jacobian);
    const Eigen::Vector2d direction =
        llt.info() == Eigen::Success ? Eigen::Vector2d(-llt.solve(h)) : Eigen::Vector2d(-h);
    // Armijo backtracking on G, with ∇G·direction = h·direction/τ < 0. Near
    // the minimizer G changes by less than its rounding error, which the test
    // allows, so that Newton's last steps are not refused for noise.
    const double slope = h.dot(direction) / tau;
    const double rounding = 64 * std::numeric_limits<double>::epsilon() * (1 + std::abs(g_x));
    double t = 1.0;
    Eigen::Vector2d x_new = x + direction;
    double g_new = g(x_new);
    while (g_new > g_x + 1e-4 * t * slope + rounding && t > 1e-12) {
      t *= 0.5;
      x_new = x + t * direction;
      g_new = g(x_new);
    }
    // No step decreases G at the quadrature's resolution: x is the minimizer.
    if (!(g_new <= g_x + rounding)) break;
    x = x_new;
    g_x = g_new;
  }
  return out;
}

}  // namespace valley
