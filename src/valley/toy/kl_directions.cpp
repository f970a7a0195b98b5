#include "valley/toy/kl_directions.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "valley/core/error.h"

namespace valley {
namespace {

void validate(const GaussianMixture1d& q) {
  if (q.weights.empty() || q.weights.size() != q.means.size() || q.weights.size() != q.sds.size())
    fail("Figure 3: the mixture needs as many weights, means and sds, at least one each");
  double total = 0.0;
  for (std::size_t i = 0; i < q.weights.size(); ++i) {
    if (!(q.weights[i] > 0 && q.sds[i] > 0)) fail("Figure 3: mixture weights and sds must be > 0");
    total += q.weights[i];
  }
  if (std::abs(total - 1.0) > 1e-12) fail("Figure 3: mixture weights must sum to 1 (got {})", total);
}

// log N(y; μ, s²)
double log_normal(double y, double mu, double s) {
  return -0.5 * (y - mu) * (y - mu) / (s * s) - std::log(s * std::sqrt(2 * std::numbers::pi));
}

// The fine y grid for E_q: spacing min s_i / 20 over [min μ_i − 8 s_i, max μ_i + 8 s_i].
struct YGrid {
  double lower, step;
  int n;
};

YGrid y_grid(const GaussianMixture1d& q) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  double lower = inf, upper = -inf, narrowest = inf;
  for (std::size_t i = 0; i < q.means.size(); ++i) {
    lower = std::min(lower, q.means[i] - 8 * q.sds[i]);
    upper = std::max(upper, q.means[i] + 8 * q.sds[i]);
    narrowest = std::min(narrowest, q.sds[i]);
  }
  const double step = narrowest / 20;
  return {lower, step, static_cast<int>(std::ceil((upper - lower) / step)) + 1};
}

}  // namespace

double GaussianMixture1d::log_density(double y) const {
  double max_term = -std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < weights.size(); ++i)
    max_term = std::max(max_term, std::log(weights[i]) + log_normal(y, means[i], sds[i]));
  double sum = 0.0;
  for (std::size_t i = 0; i < weights.size(); ++i)
    sum += std::exp(std::log(weights[i]) + log_normal(y, means[i], sds[i]) - max_term);
  return max_term + std::log(sum);
}

double GaussianMixture1d::d_log_density(double y) const {
  // (log q)′ = Σ_i r_i(y) · (μ_i − y)/s_i², r_i the posterior weight of component i
  const double log_q = log_density(y);
  double out = 0.0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    const double r = std::exp(std::log(weights[i]) + log_normal(y, means[i], sds[i]) - log_q);
    out += r * (means[i] - y) / (sds[i] * sds[i]);
  }
  return out;
}

double GaussianMixture1d::density(double y) const { return std::exp(log_density(y)); }

double GaussianMixture1d::mean() const {
  double out = 0.0;
  for (std::size_t i = 0; i < weights.size(); ++i) out += weights[i] * means[i];
  return out;
}

double normal_density(double y, double m, double sigma) { return std::exp(log_normal(y, m, sigma)); }

KlDirections fit_kl_directions(const KlDirectionsSettings& settings) {
  const GaussianMixture1d& q = settings.q;
  validate(q);
  const double sigma = settings.sigma;
  if (!(sigma > 0)) fail("Figure 3: σ must be > 0 (got {})", sigma);
  if (settings.n_scan < 3) fail("Figure 3: the scan needs at least 3 points");

  // E_q by the trapezoid rule on the fine y grid.
  const YGrid grid = y_grid(q);
  std::vector<double> y(static_cast<std::size_t>(grid.n)), q_y(y.size()), log_q_y(y.size());
  double mean_q = 0.0, mass = 0.0;
  for (std::size_t i = 0; i < y.size(); ++i) {
    y[i] = grid.lower + grid.step * static_cast<double>(i);
    log_q_y[i] = q.log_density(y[i]);
    q_y[i] = std::exp(log_q_y[i]);
    mass += grid.step * q_y[i];
    mean_q += grid.step * q_y[i] * y[i];
  }
  mean_q /= mass;
  // KL(q ‖ φ_m) = Σ h q(y) (log q(y) − log φ_m(y))   (eq. 7)
  const auto kl_q_phi = [&](double m) {
    double kl = 0.0;
    for (std::size_t i = 0; i < y.size(); ++i)
      kl += grid.step * q_y[i] * (log_q_y[i] - log_normal(y[i], m, sigma));
    return kl / mass;
  };
  // KL(φ_m ‖ q) = −½ log(2πeσ²) − E_ξ log q(m + σξ), and its derivative in m
  // log q bends from one component's parabola to the next over a width
  // s²/|μ_i − μ_j| between the modes: that, or s, is the length to resolve.
  QuadratureSettings quadrature = settings.quadrature;
  const double narrowest = *std::min_element(q.sds.begin(), q.sds.end());
  const double spread =
      *std::max_element(q.means.begin(), q.means.end()) - *std::min_element(q.means.begin(), q.means.end());
  quadrature.length_scale = spread > narrowest ? narrowest * narrowest / spread : narrowest;
  const GaussianRule rule = make_gaussian_rule(1, sigma, quadrature);
  const double entropy_phi = 0.5 * std::log(2 * std::numbers::pi * std::numbers::e * sigma * sigma);
  const auto kl_phi_q = [&](double m) {
    double expected_log_q = 0.0;
    for (int64_t i = 0; i < rule.size(); ++i)
      expected_log_q += rule.weights[i] * q.log_density(m + sigma * rule.nodes(0, i));
    return -entropy_phi - expected_log_q;
  };
  const auto d_kl_phi_q = [&](double m) {
    double out = 0.0;
    for (int64_t i = 0; i < rule.size(); ++i)
      out -= rule.weights[i] * q.d_log_density(m + sigma * rule.nodes(0, i));
    return out;
  };

  KlDirections out;
  out.mean_seeking = {mean_q, kl_q_phi(mean_q)};
  const double m_lower = y.front() + 4 * sigma, m_upper = y.back() - 4 * sigma;
  for (int i = 0; i < settings.n_scan; ++i) {
    const double m = m_lower + (m_upper - m_lower) * i / (settings.n_scan - 1);
    out.m.push_back(m);
    out.kl_q_phi.push_back(kl_q_phi(m));
    out.kl_phi_q.push_back(kl_phi_q(m));
  }
  // Local minima of the scan, refined by bisection on the derivative's sign change.
  for (std::size_t i = 1; i + 1 < out.m.size(); ++i) {
    if (!(out.kl_phi_q[i] < out.kl_phi_q[i - 1] && out.kl_phi_q[i] <= out.kl_phi_q[i + 1])) continue;
    double left = out.m[i - 1], right = out.m[i + 1];
    if (d_kl_phi_q(left) < 0 && d_kl_phi_q(right) > 0) {
      for (int iteration = 0; iteration < 100 && right - left > 1e-14 * (1 + std::abs(left)); ++iteration) {
        const double middle = 0.5 * (left + right);
        (d_kl_phi_q(middle) < 0 ? left : right) = middle;
      }
    }
    const double m = 0.5 * (left + right);
    out.mode_seeking.push_back({m, kl_phi_q(m)});
  }
  return out;
}

}  // namespace valley
