#include "valley/sampling/quadrature_mean.h"

#include <cmath>
#include <limits>
#include <vector>

#include "valley/core/error.h"

namespace valley {

QuadratureMean::QuadratureMean(QuadratureSettings settings) : settings_(settings) {}

MeanEstimate QuadratureMean::estimate_mean(ConstVecRef x, double tau, Objective& f, uint64_t /*k*/,
                                           VecRef mean) {
  const Eigen::Index d = x.size();
  if (d > 2)
    fail("quadrature estimator: d = {} parameters; exact quadrature covers d ≤ 2 (use sgld or is)", d);
  const float sigma = static_cast<float>(std::sqrt(tau));
  if (rule_.dim() != d || rule_.sigma != static_cast<double>(sigma))
    rule_ = make_gaussian_rule(static_cast<int>(d), sigma, settings_);
  const int64_t n = rule_.size();
  std::vector<double> losses(static_cast<std::size_t>(n));
  double min_loss = std::numeric_limits<double>::infinity();
  xi_.resize(d);
  f.set_centre(x, sigma);
  for (int64_t i = 0; i < n; ++i) {
    xi_ = rule_.nodes.col(i).cast<float>();        // exact: nodes are multiples of 2⁻⁸
    const double loss = f.perturbed_loss(xi_, 0);  // f(x + √τ ξ_i)
    if (std::isnan(loss)) fail("quadrature estimator: the loss at node {} is NaN", i + 1);
    losses[static_cast<std::size_t>(i)] = loss;
    min_loss = std::min(min_loss, loss);
  }
  if (!std::isfinite(min_loss)) fail("quadrature estimator: the loss is +∞ at every node");
  double z = 0.0;
  Eigen::VectorXd xi_sum = Eigen::VectorXd::Zero(d);
  for (int64_t i = 0; i < n; ++i) {
    const double weight = rule_.weights[i] * std::exp(-(losses[static_cast<std::size_t>(i)] - min_loss));
    z += weight;
    xi_sum += weight * rule_.nodes.col(i);
  }
  // μ = x + √τ Σ w_i e^{−f_i} ξ_i / Σ w_i e^{−f_i}
  mean = (x.cast<double>() + static_cast<double>(sigma) * xi_sum / z).cast<float>();
  return {};
}

nlohmann::json QuadratureMean::settings() const {
  return {{"estimator", "quadrature"},
          {"half_width_sd", settings_.half_width},
          {"max_step_sd", settings_.max_step},
          {"length_scale", settings_.length_scale},
          {"nodes_per_length", settings_.nodes_per_length}};
}

}  // namespace valley
