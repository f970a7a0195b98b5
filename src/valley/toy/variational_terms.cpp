#include "valley/toy/variational_terms.h"

#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

namespace valley {

VariationalTerms variational_terms(const WellsLoss& f, const Eigen::Vector2d& x, double tau,
                                   const QuadratureSettings& settings) {
  const double sigma = std::sqrt(tau);
  const double h = 0.8 * sigma * gaussian_rule_step(sigma, settings);
  const int n = static_cast<int>(std::ceil((settings.half_width + 1) * sigma / h));
  const double cell = h * h;  // Lebesgue weight of a node
  // Nodes x + h (i + ½, j + ½), i, j = −n … n − 1.
  std::vector<double> losses, log_q_unnormalized, log_phi;
  double max_log_q = -std::numeric_limits<double>::infinity();
  for (int i = -n; i < n; ++i)
    for (int j = -n; j < n; ++j) {
      const Eigen::Vector2d offset(h * (i + 0.5), h * (j + 0.5));  // x' − x
      const double loss = f.exact_loss(x + offset);
      const double r2 = offset.squaredNorm() / (2 * tau);
      losses.push_back(loss);
      log_q_unnormalized.push_back(-loss - r2);                       // eq. 6, times Z
      log_phi.push_back(-std::log(2 * std::numbers::pi * tau) - r2);  // log φ_{x,τ}(x')
      max_log_q = std::max(max_log_q, log_q_unnormalized.back());
    }
  // log Z_{x,τ} = log Σ h² exp(−f − |x − x'|²/(2τ))
  double z_scaled = 0.0;
  for (const double l : log_q_unnormalized) z_scaled += cell * std::exp(l - max_log_q);
  const double log_z = max_log_q + std::log(z_scaled);

  VariationalTerms out;
  double exp_loss_sum = 0.0;
  for (std::size_t i = 0; i < losses.size(); ++i) {
    const double log_q = log_q_unnormalized[i] - log_z;
    const double q = std::exp(log_q), phi = std::exp(log_phi[i]);
    out.expected_loss += cell * q * losses[i];           // E_q f
    out.kl_q_phi += cell * q * (log_q - log_phi[i]);     // eq. 7: KL(q ‖ φ)
    out.kl_phi_q += cell * phi * (log_phi[i] - log_q);   // eq. 7: KL(φ ‖ q)
    exp_loss_sum += cell * std::exp(losses[i] + log_q);  // E_q exp(f)
  }
  out.log_expected_exp_loss = std::log(exp_loss_sum);
  return out;
}

}  // namespace valley
