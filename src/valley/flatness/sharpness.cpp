#include "valley/flatness/sharpness.h"

#include <algorithm>
#include <cmath>
#include <span>
#include <vector>

#include "valley/core/error.h"

namespace valley {

Sharpness epsilon_sharpness(const LossGradient& f, const Vec& x, const SharpnessSettings& settings,
                            const NoiseKey& key) {
  if (!(settings.epsilon > 0.0)) fail("ε-sharpness needs ε > 0 (got {})", settings.epsilon);
  const Eigen::Index d = x.size();
  Eigen::VectorXd grad(d);
  Sharpness s;
  s.loss_at_x = f(x, grad);
  // Box half-widths r_i.
  Eigen::ArrayXd r(d);
  for (Eigen::Index i = 0; i < d; ++i)
    r[i] = settings.epsilon * (std::abs(static_cast<double>(x[i])) + (settings.adaptive ? 0.0 : 1.0));
  // A random start inside the box: δ_i = r_i (2u − 1).
  std::vector<float> u(static_cast<std::size_t>(d));
  fill_uniform(key, 0, u);
  Eigen::ArrayXd delta(d);
  for (Eigen::Index i = 0; i < d; ++i) delta[i] = r[i] * (2.0 * u[static_cast<std::size_t>(i)] - 1.0);
  Vec point = (x.cast<double>().array() + delta).matrix().cast<float>();
  double current = f(point, grad);
  s.loss_max = std::max(s.loss_at_x, current);
  double step = 0.5;
  for (int t = 0; t < settings.n_steps; ++t) {
    const Eigen::ArrayXd sign = grad.array().sign();
    const Eigen::ArrayXd trial = (delta + step * r * sign).max(-r).min(r);
    point = (x.cast<double>().array() + trial).matrix().cast<float>();
    Eigen::VectorXd trial_grad(d);
    const double value = f(point, trial_grad);
    if (!std::isfinite(value))
      fail("ε-sharpness: the loss is not finite inside the box (ε = {})", settings.epsilon);
    if (value > current) {
      delta = trial;
      current = value;
      grad = trial_grad;
      s.loss_max = std::max(s.loss_max, value);
    } else {
      step *= 0.5;
    }
  }
  s.phi = 100.0 * (s.loss_max - s.loss_at_x) / (1.0 + s.loss_at_x);
  return s;
}

}  // namespace valley
