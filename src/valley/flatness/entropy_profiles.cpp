#include "valley/flatness/entropy_profiles.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "valley/core/error.h"

namespace valley {

ProfilePoint profile_point(double tau, const std::vector<double>& deltas) {
  const double m = static_cast<double>(deltas.size());
  if (deltas.size() < 2) fail("a profile needs at least 2 draws");
  ProfilePoint p;
  p.tau = tau;
  // Heat: mean and standard error of Δ_k.
  double mean = 0.0;
  for (double d : deltas) mean += d;
  mean /= m;
  double var = 0.0;
  for (double d : deltas) var += (d - mean) * (d - mean);
  var /= (m - 1);
  const double se = std::sqrt(var / m);
  p.heat = mean;
  p.heat_lo = mean - 1.96 * se;
  p.heat_hi = mean + 1.96 * se;
  // Local entropy: w_k = exp(−Δ_k), scaled by exp(min Δ) so the largest is 1
  // (logsumexp), ΔF = −log w̄.
  const double shift = *std::min_element(deltas.begin(), deltas.end());
  double w_sum = 0.0, w_sq = 0.0;
  for (double d : deltas) {
    const double w = std::exp(-(d - shift));
    w_sum += w;
    w_sq += w * w;
  }
  const double w_mean = w_sum / m;
  const double w_var = std::max(0.0, (w_sq - m * w_mean * w_mean) / (m - 1));
  const double w_se = std::sqrt(w_var / m);
  p.local_entropy = shift - std::log(w_mean);
  p.local_entropy_lo = shift - std::log(w_mean + 1.96 * w_se);
  const double w_low = w_mean - 1.96 * w_se;
  p.local_entropy_hi = w_low > 0.0 ? shift - std::log(w_low) : std::numeric_limits<double>::infinity();
  p.ess = w_sum * w_sum / w_sq;
  p.reliable = p.ess >= m / 4.0;
  return p;
}

std::vector<double> log_grid(double tau_min, double tau_max, int n) {
  if (!(tau_min > 0.0) || !(tau_max > tau_min) || n < 2)
    fail("a log grid needs 0 < min < max and at least 2 points");
  std::vector<double> taus;
  for (int k = 0; k < n; ++k)
    taus.push_back(tau_min * std::pow(tau_max / tau_min, static_cast<double>(k) / (n - 1)));
  return taus;
}

std::vector<ProfilePoint> entropy_profiles(const PerturbedLosses& deltas, const std::vector<double>& taus) {
  std::vector<ProfilePoint> points;
  for (double tau : taus) points.push_back(profile_point(tau, deltas(std::sqrt(tau))));
  return points;
}

namespace {
double mean_of(const std::vector<double>& v) {
  double s = 0.0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}
}  // namespace

HeatWidth heat_width(const PerturbedLosses& deltas, double delta, double tau_lo, double tau_hi, int n_steps) {
  if (mean_of(deltas(std::sqrt(tau_hi))) <= delta) return {tau_hi, false};
  if (mean_of(deltas(std::sqrt(tau_lo))) > delta) return {tau_lo, false};
  double lo = std::log(tau_lo), hi = std::log(tau_hi);
  for (int s = 0; s < n_steps; ++s) {
    const double mid = 0.5 * (lo + hi);
    if (mean_of(deltas(std::sqrt(std::exp(mid)))) <= delta)
      lo = mid;
    else
      hi = mid;
  }
  return {std::exp(lo), true};
}

}  // namespace valley
