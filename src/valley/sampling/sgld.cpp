#include "valley/sampling/sgld.h"

#include <cmath>

#include "valley/schedules/step_sizes.h"

namespace valley {

Sgld::Sgld(SgldSettings settings, const Backend& backend) : settings_(settings), backend_(backend) {}

MeanEstimate Sgld::estimate_mean(ConstVecRef x, double tau, Objective& f, uint64_t k,
                                 VecRef mean) {
  const Eigen::Index d = x.size();
  if (chain_.size() != d) chain_ = x;  // Alg. 3: x^0 = x, the first time
  grad_.resize(d);
  noise_.resize(d);
  mean.setZero();
  double sum_eps = 0.0;
  const float inv_tau = static_cast<float>(1.0 / tau);
  for (int64_t j = 1; j <= settings_.n_samples; ++j) {
    f.select_inner_batch(static_cast<uint64_t>(j - 1));
    f.gradient(chain_, grad_);
    const double eps = sgld_temperature(settings_.eps_0, j);
    backend_.fill_normal(NoiseKey{settings_.seed, Stream::sgld, static_cast<uint32_t>(k),
                                  static_cast<uint32_t>(j)},
                         0, {noise_.data(), static_cast<std::size_t>(d)});
    // Alg. 3: y^j = y^{j−1} − (ε_j/2)(∇f(y^{j−1}) + (y^{j−1} − x)/τ) + √ε_j z,  z ∼ N(0, I)
    const float half_eps = static_cast<float>(0.5 * eps);
    const float sqrt_eps = static_cast<float>(std::sqrt(eps));
    chain_.array() += -half_eps * (grad_.array() + (chain_.array() - x.array()) * inv_tau) +
                      sqrt_eps * noise_.array();
    // μ ≈ Σ ε_j y^j / Σ ε_j
    mean += static_cast<float>(eps) * chain_;
    sum_eps += eps;
  }
  mean /= static_cast<float>(sum_eps);
  return {};
}

nlohmann::json Sgld::settings() const {
  return {{"estimator", "sgld"}, {"samples", settings_.n_samples}, {"eps0", settings_.eps_0}};
}

}  // namespace valley
