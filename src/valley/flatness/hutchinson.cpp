#include "valley/flatness/hutchinson.h"

#include <cmath>
#include <vector>

#include "valley/core/error.h"

namespace valley {

Eigen::VectorXd rademacher_probe(const NoiseKey& key, int probe, int64_t d) {
  NoiseKey k = key;
  k.j = static_cast<uint32_t>(probe);
  std::vector<float> u(static_cast<std::size_t>(d));
  fill_uniform(k, 0, u);
  Eigen::VectorXd z(d);
  for (int64_t i = 0; i < d; ++i) z[i] = u[static_cast<std::size_t>(i)] < 0.5f ? -1.0 : 1.0;
  return z;
}

TraceEstimate hutchinson_trace(const LinearOperator& h, int64_t d, int n_probes, const NoiseKey& key) {
  if (n_probes < 2) fail("Hutchinson's trace needs at least 2 probes (got {})", n_probes);
  double sum = 0.0, sum_sq = 0.0;
  Eigen::VectorXd hz(d);
  for (int k = 0; k < n_probes; ++k) {
    const Eigen::VectorXd z = rademacher_probe(key, k, d);
    h(z, hz);
    const double q = z.dot(hz);  // zᵀ H z
    sum += q;
    sum_sq += q * q;
  }
  const double mean = sum / n_probes;
  const double var = std::max(0.0, (sum_sq - n_probes * mean * mean) / (n_probes - 1));
  return {mean, std::sqrt(var / n_probes), n_probes};
}

}  // namespace valley
