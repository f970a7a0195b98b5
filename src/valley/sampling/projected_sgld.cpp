#include "valley/sampling/projected_sgld.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "valley/objective/reduction.h"
#include "valley/schedules/step_sizes.h"

namespace valley {

OrnsteinUhlenbeckSummary summarize_unseen_chain(const SgldSettings& settings, double tau) {
  // u^j = α_j u^{j−1} + (1 − α_j) c + s_j ζ_j with α_j = 1 − ε_j/(2τ), s_j = √ε_j.
  // Means: u^j = p_j u^0 + (1 − p_j) c with p_j = α_j p_{j−1}; A = Σ ε_j u^j.
  // Noise: ζ_i enters u^J with weight s_i G_i, G_i = Π_{l>i} α_l, and A with
  // weight s_i R_i, R_i = Σ_{j≥i} ε_j Π_{i<l≤j} α_l — both by backward recursion.
  OrnsteinUhlenbeckSummary s;
  const auto n = static_cast<std::size_t>(settings.n_samples);
  std::vector<double> eps(n + 2), alpha(n + 2, 1.0), noise_variance(n + 2);
  double p = 1.0;
  for (std::size_t j = 1; j <= n; ++j) {
    eps[j] = sgld_temperature(settings.eps_0, static_cast<int64_t>(j));
    noise_variance[j] = std::pow(sgld_noise_scale(settings, eps[j]), 2);
    alpha[j] = 1.0 - eps[j] / (2.0 * tau);
    p *= alpha[j];
    s.p_a += eps[j] * p;
    s.q_a += eps[j] * (1.0 - p);
    s.sum_eps += eps[j];
  }
  s.p = p;
  double g = 1.0, r = 0.0;
  for (std::size_t i = n; i >= 1; --i) {
    r = eps[i] + alpha[i + 1] * r;        // R_i (alpha[n + 1] = 1 and r starts at 0)
    if (i < n) g *= alpha[i + 1];         // G_i
    const double s2 = noise_variance[i];  // s_i²
    s.var_end += s2 * g * g;
    s.var_sum += s2 * r * r;
    s.cov += s2 * g * r;
  }
  return s;
}

ProjectedSgld::ProjectedSgld(SgldSettings settings, const Backend& backend, Device* device)
    : settings_(settings), backend_(backend), reduced_sgld_(settings, backend, device) {}

MeanEstimate ProjectedSgld::estimate_mean(ConstVecRef x, double tau, Objective& f, uint64_t k, VecRef mean) {
  const std::unique_ptr<Reduction> reduction = require_reduction(f);
  const Eigen::Index d = x.size();
  const int64_t d_theta = reduction->reduced_dim();
  if (chain_.size() != d) chain_ = x;  // Alg. 3: x^0 = x, the first time
  theta_x_.resize(d_theta);
  theta_y_.resize(d_theta);
  mean_theta_.resize(d_theta);
  reduction->reduce(x, theta_x_);
  reduction->reduce(chain_, theta_y_);

  // The seen part: SGLD on θ, from R y.
  Objective& g = reduction->reduced();
  g.reset_counts();
  reduced_sgld_.set_chain(theta_y_);
  reduced_sgld_.estimate_mean(theta_x_, tau, g, k, mean_theta_);
  f.add_counts(g.counts());

  // The unseen part: u^0 = (I − RᵀR) y, c = (I − RᵀR) x.
  seen_.resize(d);
  reduction->expand(theta_y_, seen_);
  unseen_start_ = chain_ - seen_;
  reduction->expand(theta_x_, seen_);
  unseen_centre_ = x - seen_;
  const OrnsteinUhlenbeckSummary ou = summarize_unseen_chain(settings_, tau);
  // (N_1, N_2) = L (z_1, z_2) with L the Cholesky factor of their covariance,
  // then projected onto the unseen directions.
  const double l11 = std::sqrt(ou.var_end);
  const double l21 = ou.cov / l11;
  const double l22 = std::sqrt(std::max(ou.var_sum - l21 * l21, 0.0));
  z1_.resize(d);
  z2_.resize(d);
  backend_.fill_normal(NoiseKey{settings_.seed, Stream::complement, static_cast<uint32_t>(k), 1}, 0,
                       {z1_.data(), static_cast<std::size_t>(d)});
  backend_.fill_normal(NoiseKey{settings_.seed, Stream::complement, static_cast<uint32_t>(k), 2}, 0,
                       {z2_.data(), static_cast<std::size_t>(d)});
  z2_ = static_cast<float>(l21) * z1_ + static_cast<float>(l22) * z2_;  // N_2
  z1_ *= static_cast<float>(l11);                                       // N_1
  reduction->project_out(z1_);
  reduction->project_out(z2_);

  // μ = Rᵀ μ_θ + A / Σ ε_j,  A = p_A u^0 + q_A c + N_2
  reduction->expand(mean_theta_, mean);
  mean += (static_cast<float>(ou.p_a) * unseen_start_ + static_cast<float>(ou.q_a) * unseen_centre_ + z2_) /
          static_cast<float>(ou.sum_eps);
  // y^J = Rᵀ θ_y^J + u^J,  u^J = p u^0 + (1 − p) c + N_1
  reduction->expand(reduced_sgld_.chain(), chain_);
  chain_ += static_cast<float>(ou.p) * unseen_start_ + static_cast<float>(1.0 - ou.p) * unseen_centre_ + z1_;
  return {};
}

nlohmann::json ProjectedSgld::settings() const {
  nlohmann::json out = reduced_sgld_.settings();
  out["sampler"] = "projected";
  return out;
}

}  // namespace valley
