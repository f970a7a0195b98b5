#include "valley/flatness/spectral_density.h"

#include <cmath>
#include <limits>
#include <numbers>

namespace valley {

QuadratureNodes slq_nodes(const std::vector<LanczosResult>& runs) {
  QuadratureNodes q;
  const double n_v = static_cast<double>(runs.size());
  for (const LanczosResult& run : runs)
    for (int k = 0; k < run.steps(); ++k) {
      const double s0 = run.ritz_vectors_t(0, k);
      q.nodes.push_back(run.ritz_values[k]);
      q.weights.push_back(s0 * s0 / n_v);
    }
  return q;
}

double slq_trace_of(const QuadratureNodes& q, int64_t d, double (*g)(double, double), double arg) {
  double sum = 0.0;
  for (std::size_t k = 0; k < q.nodes.size(); ++k) sum += q.weights[k] * g(q.nodes[k], arg);
  return static_cast<double>(d) * sum;
}

double laplace_log_det(const QuadratureNodes& q, int64_t d, double tau) {
  return 0.5 * slq_trace_of(
                   q, d,
                   [](double theta, double t) {
                     const double a = 1.0 + t * theta;
                     return a > 0.0 ? std::log1p(t * theta) : std::numeric_limits<double>::quiet_NaN();
                   },
                   tau);
}

std::vector<double> smoothed_density(const QuadratureNodes& q, const std::vector<double>& grid,
                                     double sigma) {
  std::vector<double> out(grid.size(), 0.0);
  const double norm = 1.0 / (sigma * std::sqrt(2.0 * std::numbers::pi));
  for (std::size_t g = 0; g < grid.size(); ++g)
    for (std::size_t k = 0; k < q.nodes.size(); ++k) {
      const double u = (grid[g] - q.nodes[k]) / sigma;
      out[g] += q.weights[k] * norm * std::exp(-0.5 * u * u);
    }
  return out;
}

}  // namespace valley
