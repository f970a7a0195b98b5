#include <cmath>

#include "valley/core/error.h"
#include "valley/methods/heat.h"
#include "valley/methods/local_entropy.h"
#include "valley/methods/method.h"
#include "valley/methods/sgd.h"
#include "valley/methods/projected_heat.h"
#include "valley/methods/sgd_first.h"
#include "valley/sampling/importance.h"
#include "valley/sampling/projected_importance.h"
#include "valley/sampling/projected_sgld.h"
#include "valley/sampling/sgld.h"

namespace valley {
namespace {

void require_positive(double value, const char* flag) {
  if (!(std::isfinite(value) && value > 0)) fail("{} must be a finite number > 0 (got {})", flag, value);
}

int64_t floor_sqrt(int64_t s) {
  auto r = static_cast<int64_t>(std::sqrt(static_cast<double>(s)));
  while (r * r > s) --r;
  while ((r + 1) * (r + 1) <= s) ++r;
  return r;
}

}  // namespace

TauSchedule MethodConfig::tau_schedule() const {
  TauSchedule schedule;
  schedule.kind = TauSchedule::parse_kind(regularization.schedule);
  schedule.tau_0 = regularization.tau_0.value_or(regularization.tau);
  schedule.tau_1 = regularization.tau_1;
  return schedule;
}

int64_t MethodConfig::heat_iterations() const {
  return heat.n_iterations.value_or(n_samples ? floor_sqrt(*n_samples) : 30);
}

int64_t MethodConfig::heat_draws() const {
  return heat.n_draws.value_or(n_samples ? floor_sqrt(*n_samples) : 30);
}

void validate(const MethodConfig& config) {
  if (config.name != "sgd" && config.name != "sgld" && config.name != "is" && config.name != "heat")
    fail("--method: unknown method '{}' (valid: sgd, sgld, is, heat)", config.name);
  require_positive(config.sgd.lr, "--lr");
  require_positive(config.regularization.tau, "--tau");
  config.tau_schedule();  // checks the schedule's name
  if (config.regularization.tau_0) require_positive(*config.regularization.tau_0, "--tau0");
  if (!(std::isfinite(config.regularization.tau_1) && config.regularization.tau_1 >= 0))
    fail("--tau1 must be a finite number ≥ 0 (got {})", config.regularization.tau_1);
  if (config.regularization.eta) require_positive(*config.regularization.eta, "--eta");
  if (config.n_samples && (*config.n_samples < 1 || *config.n_samples > 100'000'000))
    fail("--samples must be between 1 and 10^8 (got {})", *config.n_samples);
  if (!(std::isfinite(config.sgld.eps_0) && config.sgld.eps_0 >= 0))
    fail("--eps0 must be a finite number ≥ 0 (got {})", config.sgld.eps_0);
  if (config.sgld.noise != "variance" && config.sgld.noise != "stddev")
    fail("--sgld-noise must be 'variance' or 'stddev' (got '{}')", config.sgld.noise);
  if (config.sgld.chains < 1 || config.sgld.chains > 4096)
    fail("--sgld-chains must be between 1 and 4096 (got {})", config.sgld.chains);
  if (config.sgld.chains > 1 && config.sampler == "projected")
    fail("--sgld-chains {} needs --sampler full: the projected sampler runs one chain", config.sgld.chains);
  require_positive(config.is.beta, "--beta");
  if (config.heat.n_iterations && *config.heat.n_iterations < 1)
    fail("--rm-iters must be ≥ 1 (got {})", *config.heat.n_iterations);
  if (config.heat.n_draws && *config.heat.n_draws < 1)
    fail("--rm-samples must be ≥ 1 (got {})", *config.heat.n_draws);
  if (config.name == "heat" && config.n_samples && (config.heat.n_iterations || config.heat.n_draws))
    fail("--samples sets both --rm-iters and --rm-samples for heat (M = J = ⌊√S⌋); give one or "
         "the others");
  require_positive(config.heat.c, "--rm-c");
  if (!(config.heat.alpha > 0.5 && config.heat.alpha <= 1.0))
    fail("--rm-alpha must lie in (1/2, 1] (got {})", config.heat.alpha);
  if (config.sampler != "full" && config.sampler != "projected" && config.sampler != "auto")
    fail("--sampler must be 'auto', 'full' or 'projected' (got '{}')", config.sampler);
  if (config.sgd_first < 0) fail("--sgd-first must be ≥ 0 (got {})", config.sgd_first);
  if (config.sgd_first > 0 && config.name == "sgd")
    fail("--sgd-first switches from SGD to a regularized method; --method sgd has nothing to switch to");
}

std::unique_ptr<Method> make_method(const MethodConfig& config, const Backend& backend) {
  validate(config);
  std::unique_ptr<Method> method;
  const std::optional<double> eta = config.regularization.eta;
  const bool projected = config.sampler != "full";
  if (config.name == "sgd") {
    method = std::make_unique<Sgd>(config.sgd.lr);
  } else if (config.name == "sgld") {
    const SgldSettings settings{config.sgld_is_samples(), config.sgld.eps_0, config.seed,
                                config.sgld.noise == "stddev", config.sgld.chains};
    std::unique_ptr<MeanEstimator> estimator;
    if (projected && config.sgld.chains == 1)
      estimator = std::make_unique<ProjectedSgld>(settings, backend);
    else
      estimator = std::make_unique<Sgld>(settings, backend);
    method = std::make_unique<LocalEntropy>(std::move(estimator), config.tau_schedule(), eta);
  } else if (config.name == "is") {
    const ImportanceSettings settings{config.sgld_is_samples(), config.is.beta, config.seed};
    std::unique_ptr<MeanEstimator> estimator;
    if (projected)
      estimator = std::make_unique<ProjectedImportance>(settings, backend);
    else
      estimator = std::make_unique<ImportanceSampling>(settings, backend);
    method = std::make_unique<LocalEntropy>(std::move(estimator), config.tau_schedule(), eta);
  } else {
    const HeatSettings settings{config.heat_iterations(), config.heat_draws(), config.heat.c,
                                config.heat.alpha, config.seed};
    if (projected)
      method = std::make_unique<ProjectedHeat>(settings, config.tau_schedule(), backend);
    else
      method = std::make_unique<Heat>(settings, config.tau_schedule(), backend);
  }
  if (config.sgd_first > 0)
    return std::make_unique<SgdFirst>(config.sgd_first, config.sgd.lr, std::move(method));
  return method;
}

}  // namespace valley
