#include "valley/api/estimate.h"

#include <cmath>
#include <memory>

#include "valley/backends/backend.h"
#include "valley/core/error.h"
#include "valley/methods/heat.h"
#include "valley/methods/method.h"
#include "valley/methods/method_names.h"
#include "valley/sampling/importance.h"
#include "valley/sampling/sgld.h"

namespace valley {
namespace {

void check_call(const Objective& f, ConstVecRef x, const MethodConfig& method, int n_threads) {
  validate(method);
  if (n_threads < 1 || n_threads > 256) fail("--threads must be between 1 and 256 (got {})", n_threads);
  if (x.size() != f.dim()) fail("x has {} numbers, but the objective has dimension {}", x.size(), f.dim());
  for (Eigen::Index i = 0; i < x.size(); ++i)
    if (!std::isfinite(x[i])) fail("x holds {} at coordinate {}, not a finite number", x[i], i);
}

void check_result(ConstVecRef result, const char* what, const std::string& hint) {
  if (!result.allFinite()) fail("the {} is not finite (the estimator diverged); try {}", what, hint);
}

}  // namespace

LocalEntropyEstimate estimate_local_entropy(Objective& f, ConstVecRef x, const MethodConfig& method,
                                            uint64_t k, int n_threads) {
  if (method.name != method_name::kSgld && method.name != method_name::kIs)
    fail("--method: '{}' has no estimator of E_q X (valid: sgld, is)", method.name);
  check_call(f, x, method, n_threads);
  const std::unique_ptr<Backend> backend = make_cpu_backend(n_threads);
  std::unique_ptr<MeanEstimator> estimator;
  if (method.name == method_name::kSgld)
    estimator = std::make_unique<Sgld>(
        SgldSettings{method.sgld_is_samples(), method.sgld.eps_0, method.seed, method.sgld.noise == "stddev"},
        *backend);
  else
    estimator = std::make_unique<ImportanceSampling>(
        ImportanceSettings{method.sgld_is_samples(), method.is.beta, method.seed}, *backend);

  const double tau = method.regularization.tau;
  const double eta = method.regularization.eta.value_or(tau);
  LocalEntropyEstimate out;
  out.mean.resize(x.size());
  const EvalCounts before = f.counts();
  out.ess = estimator->estimate_mean(x, tau, f, k, out.mean).ess;
  const EvalCounts after = f.counts();
  out.counts = {after.n_loss - before.n_loss, after.n_gradient - before.n_gradient};
  check_result(out.mean, "estimate of E_q X",
               method.name == method_name::kSgld ? "a larger --eps0 or a larger --tau" : "a smaller --tau");
  out.gradient = (x - out.mean) / static_cast<float>(tau);  // eq. 12
  // Alg. 1 step 2: x − η ∇F_τ(x); exactly μ when η = τ (Remark 1)
  out.step = eta == tau ? out.mean : Vec(x - static_cast<float>(eta) * out.gradient);
  return out;
}

Vec heat_step(Objective& f, ConstVecRef x, const MethodConfig& method, uint64_t k, int n_threads) {
  MethodConfig config = method;
  config.name = method_name::kHeat;
  config.sampler = "full";
  check_call(f, x, config, n_threads);
  const std::unique_ptr<Backend> backend = make_cpu_backend(n_threads);
  const HeatSettings settings{config.heat_iterations(), config.heat_draws(), config.heat.c, config.heat.alpha,
                              config.seed};
  Heat heat(settings, config.tau_schedule(), *backend);
  Vec next = x;
  heat.step(next, f, k);
  check_result(next, "heat step's result", "a smaller --rm-c (a_j = c j^(−α))");
  return next;
}

}  // namespace valley
