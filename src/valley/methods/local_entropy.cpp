#include "valley/methods/local_entropy.h"

#include <string_view>

#include "valley/core/error.h"
#include "valley/methods/local_entropy_diagonal.h"
#include "valley/methods/method_table.h"
#include "valley/sampling/diagonal_importance.h"
#include "valley/sampling/importance.h"
#include "valley/sampling/projected_importance.h"
#include "valley/sampling/projected_sgld.h"
#include "valley/sampling/sgld.h"

namespace valley {

LocalEntropy::LocalEntropy(std::unique_ptr<MeanEstimator> estimator, TauSchedule schedule,
                           std::optional<double> eta)
    : estimator_(std::move(estimator)), schedule_(schedule), eta_(eta) {}

UpdateStats LocalEntropy::step(Vec& x, Objective& f, uint64_t k) {
  const double tau = schedule_.tau(k);
  mean_.resize(x.size());
  const MeanEstimate estimate = estimator_->estimate_mean(x, tau, f, k, mean_);
  if (!eta_ || *eta_ == tau) {
    x = mean_;  // Alg. 1 step 2: x_{k+1} = E_{q_{x_k,τ}}[X]
  } else {
    // eq. 11–12: x_{k+1} = x_k − η ∇F_τ(x_k) = x_k − η (x_k − μ_k)/τ
    x -= static_cast<float>(*eta_ / tau) * (x - mean_);
  }
  return {tau, estimate.ess};
}

nlohmann::json LocalEntropy::settings() const {
  nlohmann::json out = estimator_->settings();
  out["method"] = "local-entropy";
  out["tau_schedule"] = schedule_.kind_name();
  out["tau0"] = schedule_.tau_0;
  out["tau1"] = schedule_.tau_1;
  out["eta"] = eta_ ? nlohmann::json(*eta_) : nlohmann::json("tau");
  return out;
}

// The largest τ (and variance): the samples x + √τ ξ are computed in float,
// whose rounding (2^-24 of √τ|ξ|, |ξ| up to about 5) must stay well below the
// scale of the weights (Glorot's ±0.09 for 784-10): at τ = 10^8 it is 3·10^-3.
// Beyond it the samples no longer resolve the parameters they perturb, and a
// large τ makes the network's outputs overflow (docs/SETTINGS.md).
constexpr double kMaxTau = 1e8;
constexpr std::string_view kMaxTauWhy =
    "the samples x + √τ ξ are computed in float, whose rounding beyond it swamps the weights";

// The settings of Alg. 1 and 2+5 (sgld, is, heat): τ, its schedule and the
// samples; Alg. 1's outer step and Gaussians (sgld, is); the estimators'.
const SettingsGroup& regularized_settings() {
  static const SettingsGroup group{
      "regularized",
      {
          {.key = "tau",
           .at = [](MethodConfig& c) -> FieldRef { return &c.regularization.tau; },
           .help = "τ: variance of φ_{x,τ}, the scale of the regularization; 0 < τ ≤ 10^8 "
                   "(docs/SETTINGS.md)",
           .check = check::positive_up_to(kMaxTau, kMaxTauWhy)},
          {.key = "tau-schedule",
           .at = [](MethodConfig& c) -> FieldRef { return &c.regularization.schedule; },
           .help = "const, scoping: τ(k) = τ0/(1+τ1)^k (eq. 18), or "
                   "reverse-scoping: τ(k) = τ0·(1+τ1)^k",
           .check = [](const FieldRef& value,
                       const std::string&) { TauSchedule::parse_kind(*std::get<std::string*>(value)); }},
          {.key = "tau0",
           .at = [](MethodConfig& c) -> FieldRef { return &c.regularization.tau_0; },
           .help = "τ0 of a τ schedule (default: --tau); 0 < τ0 ≤ 10^8",
           .check = check::positive_up_to(kMaxTau, kMaxTauWhy)},
          {.key = "tau1",
           .at = [](MethodConfig& c) -> FieldRef { return &c.regularization.tau_1; },
           .help = "τ1 of a τ schedule",
           .check = check::non_negative()},
          {.key = "samples",
           .at = [](MethodConfig& c) -> FieldRef { return &c.n_samples; },
           .help = "Samples per update: J for sgld and is (default 1000); for heat "
                   "M = J = floor(sqrt(S)) (Fig. 6)",
           .check = check::between(1, 100'000'000, "10^8")},
          {.key = "sampler",
           .at = [](MethodConfig& c) -> FieldRef { return &c.sampler; },
           .help = "full: every sample draws all d coordinates, as in the paper; "
                   "projected: the same estimator in law, drawing only the noise "
                   "the minibatch can see (exact, 25-100x cheaper); auto: "
                   "projected unless --inner-batch fresh",
           .check = check::one_of({"auto", "full", "projected"})},
          {.key = "sgd-first",
           .at = [](MethodConfig& c) -> FieldRef { return &c.sgd_first; },
           .help = "Run plain SGD (step --lr) for this many updates, then the "
                   "method (Fig. 5)",
           .check = check::at_least(0)},
      },
      [](const MethodConfig& config) {
        if (config.sgd_first > 0 && !applies_to(regularized_settings().fields.front(), config.name))
          fail(
              "--sgd-first switches from SGD to a regularized method; --method {} has nothing to "
              "switch to",
              config.name);
      }};
  return group;
}

const SettingsGroup& local_entropy_settings() {
  static const SettingsGroup group{
      "local-entropy",
      {
          {.key = "eta",
           .at = [](MethodConfig& c) -> FieldRef { return &c.regularization.eta; },
           .help = "Outer step η of Alg. 1: x ← x − η(x − μ)/τ (default: η = τ, "
                   "so x ← μ)",
           .check = check::positive()},
          {.key = "covariance",
           .at = [](MethodConfig& c) -> FieldRef { return &c.covariance.kind; },
           .help = "iso: Alg. 1's Gaussians N(x, τI) (the paper); diag: N(x, "
                   "diag(s)), s updated to q's per-coordinate variance (§7 "
                   "Extensions; docs/METHODS.md), starting at --tau; uses "
                   "--sampler full (the projected sampler needs isotropic noise); "
                   "is: both moments from the same weighted samples, sgld: from "
                   "the chain",
           .check = check::one_of({"iso", "diag"}),
           .added_later = true},
          {.key = "tau-min",
           .at = [](MethodConfig& c) -> FieldRef { return &c.covariance.tau_min; },
           .help = "--covariance diag: lower clip of the variances s",
           .check = check::positive(),
           .added_later = true},
          {.key = "tau-max",
           .at = [](MethodConfig& c) -> FieldRef { return &c.covariance.tau_max; },
           .help = "--covariance diag: upper clip of the variances s; ≤ 10^8 as τ",
           .check = check::positive_up_to(kMaxTau, kMaxTauWhy),
           .added_later = true},
      },
      [](const MethodConfig& config) {
        const auto& cov = config.covariance;
        if (cov.tau_min > cov.tau_max)
          fail("--tau-min {} is larger than --tau-max {}", cov.tau_min, cov.tau_max);
        if (cov.kind != "diag") return;
        if (!applies_to(local_entropy_settings().fields.front(), config.name))
          fail("--covariance diag is built for --method is and sgld (got --method {})", config.name);
        if (config.sampler == "projected")
          fail(
              "--covariance diag needs --sampler full: the projected sampler draws the noise the "
              "minibatch cannot see in closed form, which needs the same variance in every "
              "direction");
        if (config.regularization.schedule != "const")
          fail("--covariance diag updates the variances itself; it takes no --tau-schedule");
        if (config.regularization.eta)
          fail("--covariance diag moves x to the mean of q (η = τ); it takes no --eta");
        if (config.regularization.tau < cov.tau_min || config.regularization.tau > cov.tau_max)
          fail("--tau {} (the starting variance) lies outside [--tau-min, --tau-max] = [{}, {}]",
               config.regularization.tau, cov.tau_min, cov.tau_max);
      }};
  return group;
}

const SettingsGroup& sgld_settings() {
  static const SettingsGroup group{
      "sgld",
      {
          {.key = "eps0",
           .at = [](MethodConfig& c) -> FieldRef { return &c.sgld.eps_0; },
           .help = "SGLD temperatures ε_j = 1/(ε0 + j)",
           .check = check::non_negative()},
          {.key = "sgld-noise",
           .at = [](MethodConfig& c) -> FieldRef { return &c.sgld.noise; },
           .help = "variance: η_j ∼ N(0, ε_j) as Alg. 3 is written; stddev: "
                   "η_j ∼ N(0, ε_j²), the reading that reproduces the paper's "
                   "SGLD numbers (docs/REPRODUCTION.md)",
           .check = check::one_of({"variance", "stddev"}),
           .added_later = true},
          {.key = "sgld-chains",
           .at = [](MethodConfig& c) -> FieldRef { return &c.sgld.chains; },
           .help = "C independent SGLD chains from x, each of --samples steps, their "
                   "weighted means averaged: a different estimator (C× the "
                   "gradients), whose chains spread over MPI ranks; 1: Alg. 3 as is",
           .check = check::between(1, 4096),
           .added_later = true,
           .written_when_default = false},
      },
      [](const MethodConfig& config) {
        if (config.sgld.chains > 1 && config.sampler == "projected")
          fail("--sgld-chains {} needs --sampler full: the projected sampler runs one chain",
               config.sgld.chains);
      }};
  return group;
}

const SettingsGroup& is_settings() {
  static const SettingsGroup group{
      "is",
      {
          {.key = "beta",
           .at = [](MethodConfig& c) -> FieldRef { return &c.is.beta; },
           .help = "IS weights exp(−β f)",
           .check = check::positive_in_double()},  // log w = −β f is computed in double
      }};
  return group;
}

namespace {

SgldSettings sgld_estimator_settings(const MethodConfig& config) {
  return {config.sgld_is_samples(), config.sgld.eps_0, config.seed, config.sgld.noise == "stddev",
          config.sgld.chains};
}

DiagonalSettings diagonal_settings(const MethodConfig& config) {
  return {config.regularization.tau, config.covariance.tau_min, config.covariance.tau_max};
}

}  // namespace

std::unique_ptr<Method> make_sgld(const MethodConfig& config, const Backend& backend, Device* device) {
  const SgldSettings settings = sgld_estimator_settings(config);
  // (always the full sampler: the projected one needs isotropic noise)
  if (config.covariance.kind == "diag")
    return std::make_unique<LocalEntropyDiagonal>(diagonal_settings(config),
                                                  std::make_unique<Sgld>(settings, backend, device));
  std::unique_ptr<MeanEstimator> estimator;
  if (config.sampler != "full" && config.sgld.chains == 1)
    estimator = std::make_unique<ProjectedSgld>(settings, backend, device);
  else
    estimator = std::make_unique<Sgld>(settings, backend, device);
  return std::make_unique<LocalEntropy>(std::move(estimator), config.tau_schedule(),
                                        config.regularization.eta);
}

std::unique_ptr<Method> make_is(const MethodConfig& config, const Backend& backend, Device* device) {
  const ImportanceSettings settings{config.sgld_is_samples(), config.is.beta, config.seed};
  if (config.covariance.kind == "diag")
    return std::make_unique<LocalEntropyDiagonal>(diagonal_settings(config),
                                                  std::make_unique<DiagonalImportance>(settings, backend));
  std::unique_ptr<MeanEstimator> estimator;
  if (config.sampler != "full")
    estimator = std::make_unique<ProjectedImportance>(settings, backend, device);
  else
    estimator = std::make_unique<ImportanceSampling>(settings, backend, device);
  return std::make_unique<LocalEntropy>(std::move(estimator), config.tau_schedule(),
                                        config.regularization.eta);
}

}  // namespace valley
