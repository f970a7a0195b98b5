#include <cmath>

#include "valley/core/error.h"
#include "valley/distributed/communicator.h"
#include "valley/methods/entropy_sgd.h"
#include "valley/methods/heat.h"
#include "valley/methods/local_entropy.h"
#include "valley/methods/local_entropy_diagonal.h"
#include "valley/methods/method.h"
#include "valley/methods/sam.h"
#include "valley/methods/sgd.h"
#include "valley/methods/projected_heat.h"
#include "valley/methods/sgd_first.h"
#include "valley/sampling/diagonal_importance.h"
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

bool uses_base_optimizer(const std::string& name) {
  return name == "sgd" || name == "sam" || name == "entropy-sgd";
}

BaseOptimizerSettings base_settings(const MethodConfig& config) {
  return {config.sgd.lr,           config.momentum(),         config.nesterov(),
          config.base.weight_decay, config.base.lr_drops, config.base.lr_drop_factor};
}

SgldSettings sgld_settings(const MethodConfig& config) {
  return {config.sgld_is_samples(), config.sgld.eps_0, config.seed, config.sgld.noise == "stddev",
          config.sgld.chains};
}

DiagonalSettings diagonal_settings(const MethodConfig& config) {
  return {config.regularization.tau, config.covariance.tau_min, config.covariance.tau_max};
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
  if (config.name != "sgd" && config.name != "sgld" && config.name != "is" && config.name != "heat" &&
      config.name != "sam" && config.name != "entropy-sgd")
    fail("--method: unknown method '{}' (valid: sgd, sgld, is, heat, sam, entropy-sgd)", config.name);
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
  if (config.sgd_first > 0 && uses_base_optimizer(config.name))
    fail("--sgd-first switches from SGD to a regularized method; --method {} has nothing to switch to",
         config.name);
  // The base optimizer (sgd, sam, entropy-sgd).
  const bool base = uses_base_optimizer(config.name);
  if (config.base.momentum) {
    if (!base) fail("--momentum does not apply to --method {}", config.name);
    if (!(*config.base.momentum >= 0 && *config.base.momentum < 1))
      fail("--momentum must lie in [0, 1) (got {})", *config.base.momentum);
  }
  if (config.base.nesterov && !base) fail("--nesterov does not apply to --method {}", config.name);
  if (config.nesterov() && config.momentum() == 0)
    fail("--nesterov needs a momentum: give --momentum m with 0 < m < 1");
  if (!(std::isfinite(config.base.weight_decay) && config.base.weight_decay >= 0))
    fail("--weight-decay must be a finite number ≥ 0 (got {})", config.base.weight_decay);
  if (config.base.weight_decay != 0 && !base)
    fail("--weight-decay does not apply to --method {}", config.name);
  for (const int64_t drop : config.base.lr_drops)
    if (drop < 1) fail("--lr-drops: every update must be ≥ 1 (got {})", drop);
  if (!config.base.lr_drops.empty() && !base)
    fail("--lr-drops does not apply to --method {}", config.name);
  for (const int64_t epoch : config.base.lr_drop_epochs)
    if (epoch < 1 || epoch > 1'000'000)
      fail("--lr-drop-epochs: every epoch must be between 1 and 10^6 (got {})", epoch);
  if (!config.base.lr_drop_epochs.empty() && !base)
    fail("--lr-drop-epochs does not apply to --method {}", config.name);
  if (!config.base.lr_drop_epochs.empty() && !config.base.lr_drops.empty())
    fail("--lr-drops and --lr-drop-epochs: give the drops in updates or in epochs, not both");
  if (!(std::isfinite(config.base.lr_drop_factor) && config.base.lr_drop_factor > 0 &&
        config.base.lr_drop_factor <= 1))
    fail("--lr-drop-factor must lie in (0, 1] (got {})", config.base.lr_drop_factor);
  // SAM
  if (!(std::isfinite(config.sam.rho) && config.sam.rho >= 0))
    fail("--rho must be a finite number ≥ 0 (got {})", config.sam.rho);
  if (!(std::isfinite(config.sam.asam_eta) && config.sam.asam_eta >= 0))
    fail("--asam-eta must be a finite number ≥ 0 (got {})", config.sam.asam_eta);
  // Entropy-SGD
  const auto& es = config.entropy_sgd;
  if (es.n_langevin < 1 || es.n_langevin > 100000)
    fail("--L (Langevin steps) must be between 1 and 100000 (got {})", es.n_langevin);
  require_positive(es.gamma_0, "--gamma0");
  if (!(std::isfinite(es.gamma_1) && es.gamma_1 >= 0))
    fail("--gamma1 must be a finite number ≥ 0 (got {})", es.gamma_1);
  if (!(std::isfinite(es.noise) && es.noise >= 0))
    fail("--noise must be a finite number ≥ 0 (got {})", es.noise);
  require_positive(es.inner_lr, "--inner-lr");
  if (!(es.beta_1 >= 0 && es.beta_1 < 1)) fail("--beta1 must lie in [0, 1) (got {})", es.beta_1);
  // Covariance
  const auto& cov = config.covariance;
  if (cov.kind != "iso" && cov.kind != "diag")
    fail("--covariance must be 'iso' or 'diag' (got '{}')", cov.kind);
  require_positive(cov.tau_min, "--tau-min");
  require_positive(cov.tau_max, "--tau-max");
  if (cov.tau_min > cov.tau_max)
    fail("--tau-min {} is larger than --tau-max {}", cov.tau_min, cov.tau_max);
  if (cov.kind == "diag") {
    if (config.name != "is" && config.name != "sgld")
      fail("--covariance diag is built for --method is and sgld (got --method {})", config.name);
    if (config.sampler == "projected")
      fail("--covariance diag needs --sampler full: the projected sampler draws the noise the "
           "minibatch cannot see in closed form, which needs the same variance in every direction");
    if (config.regularization.schedule != "const")
      fail("--covariance diag updates the variances itself; it takes no --tau-schedule");
    if (config.regularization.eta)
      fail("--covariance diag moves x to the mean of q (η = τ); it takes no --eta");
    if (config.regularization.tau < cov.tau_min || config.regularization.tau > cov.tau_max)
      fail("--tau {} (the starting variance) lies outside [--tau-min, --tau-max] = [{}, {}]",
           config.regularization.tau, cov.tau_min, cov.tau_max);
  }
}

namespace {

// The methods that run their update on a device (docs/GPU.md); any other
// is a one-line error naming it, never a silent run on the CPU. (The
// projected samplers run their inner method on θ = R x on the device, and
// the reduction and the unseen part on the host.)
void require_on_device(const MethodConfig& config, const Device& device) {
  if (distributed::world().size() > 1)
    fail("--device {} runs as one process (got {} ranks)", device.flag(), distributed::world().size());
  const bool on_device = config.name == "sgd" || config.name == "sgld" || config.name == "heat" ||
                         (config.name == "is" && config.covariance.kind != "diag");
  if (!on_device)
    fail("--device {}: method {} does not run on the GPU yet (there: sgd, is, sgld and heat); use "
         "--device cpu",
         device.flag(), config.name == "is" ? std::string("is with --covariance diag") : config.name);
}

}  // namespace

std::unique_ptr<Method> make_method(const MethodConfig& config, const Backend& backend, Device* device) {
  validate(config);
  if (!config.base.lr_drop_epochs.empty())
    fail("--lr-drop-epochs: an epoch needs the training set's size; the trainer converts epochs "
         "to --lr-drops (schedules/lr_drops.h)");
  if (device != nullptr) require_on_device(config, *device);
  std::unique_ptr<Method> method;
  const std::optional<double> eta = config.regularization.eta;
  const bool projected = config.sampler != "full";
  if (config.name == "sgd") {
    method = std::make_unique<Sgd>(base_settings(config), device);
  } else if (config.name == "sam") {
    method = std::make_unique<Sam>(
        SamSettings{config.sam.rho, config.sam.adaptive, config.sam.asam_eta}, base_settings(config));
  } else if (config.name == "entropy-sgd") {
    const auto& es = config.entropy_sgd;
    method = std::make_unique<EntropySgd>(
        EntropySgdSettings{es.n_langevin, es.gamma_0, es.gamma_1, es.noise, es.inner_lr, es.beta_1,
                           config.seed},
        base_settings(config), backend);
  } else if (config.name == "sgld" && config.covariance.kind == "diag") {
    // (always the full sampler: the projected one needs isotropic noise)
    method = std::make_unique<LocalEntropyDiagonal>(
        diagonal_settings(config), std::make_unique<Sgld>(sgld_settings(config), backend, device));
  } else if (config.name == "sgld") {
    const SgldSettings settings = sgld_settings(config);
    std::unique_ptr<MeanEstimator> estimator;
    if (projected && config.sgld.chains == 1)
      estimator = std::make_unique<ProjectedSgld>(settings, backend, device);
    else
      estimator = std::make_unique<Sgld>(settings, backend, device);
    method = std::make_unique<LocalEntropy>(std::move(estimator), config.tau_schedule(), eta);
  } else if (config.name == "is" && config.covariance.kind == "diag") {
    method = std::make_unique<LocalEntropyDiagonal>(
        diagonal_settings(config),
        std::make_unique<DiagonalImportance>(
            ImportanceSettings{config.sgld_is_samples(), config.is.beta, config.seed}, backend));
  } else if (config.name == "is") {
    const ImportanceSettings settings{config.sgld_is_samples(), config.is.beta, config.seed};
    std::unique_ptr<MeanEstimator> estimator;
    if (projected)
      estimator = std::make_unique<ProjectedImportance>(settings, backend, device);
    else
      estimator = std::make_unique<ImportanceSampling>(settings, backend, device);
    method = std::make_unique<LocalEntropy>(std::move(estimator), config.tau_schedule(), eta);
  } else {
    const HeatSettings settings{config.heat_iterations(), config.heat_draws(), config.heat.c,
                                config.heat.alpha, config.seed};
    if (projected)
      method = std::make_unique<ProjectedHeat>(settings, config.tau_schedule(), backend, device);
    else
      method = std::make_unique<Heat>(settings, config.tau_schedule(), backend, device);
  }
  if (config.sgd_first > 0)
    return std::make_unique<SgdFirst>(config.sgd_first, std::make_unique<Sgd>(config.sgd.lr, device),
                                      std::move(method));
  return method;
}

}  // namespace valley
