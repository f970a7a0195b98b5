// Exact quadrature as an estimator of E_{X∼q_{x,τ}}[X] (eq. 15), for d ≤ 2:
// the toy landscapes' third estimator beside SGLD (Alg. 3) and importance
// sampling (Alg. 4), so that Algorithm 1 with an exact second step runs
// through the same LocalEntropy code as on a network. With the trapezoid rule
// of numerics/gaussian_rule.h (nodes ξ_i, weights w_i):
//   μ = x + √τ Σ_i w_i exp(−f(x + √τ ξ_i)) ξ_i / Σ_i w_i exp(−f(x + √τ ξ_i))
// — eq. 16 with the random draws replaced by quadrature nodes and weights.
// f is evaluated through Objective::perturbed_loss (in double where the
// objective supports it: the toy losses do); exp(−f) is summed relative to
// its largest value. It fails for d > 2, where the nodes would be too many.
// d = parameters, N = nodes.
#pragma once

#include "valley/sampling/mean_estimator.h"
#include "valley/numerics/gaussian_rule.h"

namespace valley {

class QuadratureMean final : public MeanEstimator {
 public:
  explicit QuadratureMean(QuadratureSettings settings);

  std::string name() const override { return "quadrature"; }
  MeanEstimate estimate_mean(ConstVecRef x, double tau, Objective& f, uint64_t k, VecRef mean) override;
  nlohmann::json settings() const override;

 private:
  QuadratureSettings settings_;
  GaussianRule rule_;  // reused while d and τ stay the same
  Vec xi_;
};

}  // namespace valley
