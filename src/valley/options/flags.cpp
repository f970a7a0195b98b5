#include "valley/options/flags.h"

#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "valley/backends/device.h"
#include "valley/core/error.h"
#include "valley/devices/device_registry.h"

namespace valley::cli {
namespace {

// An option and the methods it means something for.
struct Scoped {
  CLI::Option* option;
  std::set<std::string> methods;
};

// Registers the options that mean something for some methods only, and
// remembers which methods.
class ScopedFlags {
 public:
  explicit ScopedFlags(CLI::App& cmd) : cmd_(cmd) {}

  // An option with a fixed default (shown by --help).
  template <typename T>
  void option(const std::string& name, T& target, const std::string& help,
              const std::set<std::string>& methods) {
    add(cmd_.add_option(name, target, help)->capture_default_str(), methods);
  }

  // An option whose default depends on other settings: unset until given.
  template <typename T>
  void option(const std::string& name, std::optional<T>& target, const std::string& help,
              const std::set<std::string>& methods) {
    add(cmd_.add_option_function<T>(name, [&target](const T& value) { target = value; }, help),
        methods);
  }

  void add(CLI::Option* option, const std::set<std::string>& methods) {
    scoped_.push_back({option, methods});
  }

  std::vector<Scoped> release() { return std::move(scoped_); }

 private:
  CLI::App& cmd_;
  std::vector<Scoped> scoped_;
};

}  // namespace

CLI::Validator non_negative() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        const std::size_t first = value.find_first_not_of(" \t");
        if (first != std::string::npos && value[first] == '-') return "must be ≥ 0 (got " + value + ")";
        return {};
      },
      "≥ 0");
}

void add_device_flag(CLI::App& cmd, std::string& device) {
  cmd.add_option("--device", device,
                 "cpu; cuda: run each update on the first CUDA GPU (sgd, is, sgld and heat, so "
                 "far; docs/GPU.md); emulate: the GPU path's kernels on this CPU, one thread (slow: "
                 "for checking the GPU path without a GPU)")
      ->capture_default_str();
}

void require_device(const std::string& device) {
  if (device != "cpu") make_device(device);
}

void add_method_flags(CLI::App& cmd, MethodConfig& config) {
  cmd.add_option("--method", config.name,
                 "sgd: plain SGD; sgld / is: local entropy (Alg. 1) with the SGLD (Alg. 3) or "
                 "importance-sampling (Alg. 4) mean estimator; heat: heat regularization by "
                 "Robbins–Monro (Alg. 2 + 5); sam: sharpness-aware minimization (Foret et al. "
                 "2021); entropy-sgd: Entropy-SGD (Chaudhari et al. 2017) as its reference code "
                 "computes it")
      ->capture_default_str();
  cmd.add_option("--seed", config.seed,
                 "Seed of every random number (initial weights, minibatches, noise)")
      ->capture_default_str()
      ->check(non_negative());
  cmd.add_option("--lr", config.sgd.lr,
                 "Learning rate of sgd, sam and entropy-sgd's outer step (also used by --sgd-first); "
                 "entropy-sgd steps along x_c − μ, not γ(x_c − μ) as its paper writes, following "
                 "its reference code")
      ->capture_default_str();
  const std::set<std::string> regularized = {"sgld", "is", "heat"};
  ScopedFlags scoped(cmd);
  scoped.option("--tau", config.regularization.tau,
                "τ: variance of φ_{x,τ}, the scale of the regularization", regularized);
  scoped.option("--tau-schedule", config.regularization.schedule,
                "const, scoping: τ(k) = τ0/(1+τ1)^k (eq. 18), or "
                "reverse-scoping: τ(k) = τ0·(1+τ1)^k", regularized);
  scoped.option("--tau0", config.regularization.tau_0,
                "τ0 of a τ schedule (default: --tau)", regularized);
  scoped.option("--tau1", config.regularization.tau_1,
                "τ1 of a τ schedule", regularized);
  scoped.option("--eta", config.regularization.eta,
                "Outer step η of Alg. 1: x ← x − η(x − μ)/τ (default: η = τ, "
                "so x ← μ)", {"sgld", "is"});
  scoped.option("--samples", config.n_samples,
                "Samples per update: J for sgld and is (default 1000); for heat "
                "M = J = floor(sqrt(S)) (Fig. 6)", regularized);
  scoped.option("--eps0", config.sgld.eps_0,
                "SGLD temperatures ε_j = 1/(ε0 + j)", {"sgld"});
  scoped.option("--sgld-noise", config.sgld.noise,
                "variance: η_j ∼ N(0, ε_j) as Alg. 3 is written; stddev: "
                "η_j ∼ N(0, ε_j²), the reading that reproduces the paper's "
                "SGLD numbers (docs/REPRODUCTION.md)", {"sgld"});
  scoped.option("--sgld-chains", config.sgld.chains,
                "C independent SGLD chains from x, each of --samples steps, their "
                "weighted means averaged: a different estimator (C× the "
                "gradients), whose chains spread over MPI ranks; 1: Alg. 3 as is", {"sgld"});
  scoped.option("--beta", config.is.beta,
                "IS weights exp(−β f)", {"is"});
  scoped.option("--rm-iters", config.heat.n_iterations,
                "Robbins–Monro iterations J (default 30)", {"heat"});
  scoped.option("--rm-samples", config.heat.n_draws,
                "Draws M per Robbins–Monro iteration (default 30)", {"heat"});
  scoped.option("--rm-c", config.heat.c,
                "Robbins–Monro steps a_j = c j^(−α)", {"heat"});
  scoped.option("--rm-alpha", config.heat.alpha,
                "α in a_j = c j^(−α), in (1/2, 1]", {"heat"});
  scoped.option("--sampler", config.sampler,
                "full: every sample draws all d coordinates, as in the paper; "
                "projected: the same estimator in law, drawing only the noise "
                "the minibatch can see (exact, 25-100x cheaper); auto: "
                "projected unless --inner-batch fresh", regularized);
  scoped.option("--sgd-first", config.sgd_first,
                "Run plain SGD (step --lr) for this many updates, then the "
                "method (Fig. 5)", regularized);
  const std::set<std::string> base = {"sgd", "sam", "entropy-sgd"};
  scoped.option("--momentum", config.base.momentum,
                "Momentum m in [0, 1) of sgd, sam and entropy-sgd (inner and outer "
                "loops): b ← m b + g (default 0; entropy-sgd: 0.9, as its "
                "reference's train.py)", base);
  scoped.add(cmd.add_flag_callback("--nesterov", [&config] { config.base.nesterov = true; },
                                   "Nesterov momentum: step along g + m b (default for "
                                   "entropy-sgd)"),
             base);
  scoped.add(cmd.add_flag_callback("--no-nesterov", [&config] { config.base.nesterov = false; },
                                   "Heavy-ball momentum: step along b (entropy-sgd's "
                                   "default is Nesterov)"),
             base);
  scoped.option("--weight-decay", config.base.weight_decay,
                "Weight decay λ: g ← g + λ x (reference Entropy-SGD: l2)", base);
  scoped.add(cmd.add_option("--lr-drops", config.base.lr_drops,
                            "Updates k (comma-separated) from which the learning rate is "
                            "multiplied by --lr-drop-factor (a step schedule)")
                 ->delimiter(','),
             base);
  scoped.add(cmd.add_option("--lr-drop-epochs", config.base.lr_drop_epochs,
                            "Epochs e (comma-separated) after which the learning rate is "
                            "multiplied by --lr-drop-factor (instead of --lr-drops). An "
                            "epoch is ceil(N/B) minibatch evaluations (N training images, "
                            "batch B): ceil(N/B) updates of sgd and sam (SAM's two "
                            "gradients share a minibatch), ceil(N/B)/L updates, rounded "
                            "up, of entropy-sgd, whose update draws L fresh minibatches "
                            "(one with --inner-batch same)")
                 ->delimiter(','),
             base);
  scoped.option("--lr-drop-factor", config.base.lr_drop_factor,
                "Factor in (0, 1] applied at each of --lr-drops or --lr-drop-epochs", base);
  scoped.option("--rho", config.sam.rho,
                "SAM radius ρ ≥ 0: ε̂ = ρ ∇f/‖∇f‖ (ASAM: ρ T_w² ∇f/‖T_w ∇f‖)", {"sam"});
  scoped.add(cmd.add_flag("--adaptive", config.sam.adaptive,
                          "ASAM (Kwon et al. 2021): scale ε̂ elementwise by T_w = |w| + η"),
             {"sam"});
  scoped.option("--asam-eta", config.sam.asam_eta,
                "η in ASAM's T_w = |w| + η", {"sam"});
  scoped.option("--L", config.entropy_sgd.n_langevin,
                "Entropy-SGD: Langevin (inner) steps per update, each on a "
                "fresh minibatch (reference: -L)", {"entropy-sgd"});
  scoped.option("--gamma0", config.entropy_sgd.gamma_0,
                "Entropy-SGD: scope γ0 in γ_k = γ0 (1 + γ1)^k (reference: gamma)", {"entropy-sgd"});
  scoped.option("--gamma1", config.entropy_sgd.gamma_1,
                "Entropy-SGD: scoping γ1 (reference: scoping; its "
                "python/optim.py never advances k, so γ stays γ0 there)", {"entropy-sgd"});
  scoped.option("--noise", config.entropy_sgd.noise,
                "Entropy-SGD: thermal noise ε; the inner gradient gets "
                "(ε/√(0.5 η')) ξ, as the reference code (the paper: √η' ε ξ "
                "on the step) (reference: noise)", {"entropy-sgd"});
  scoped.option("--inner-lr", config.entropy_sgd.inner_lr,
                "Entropy-SGD: inner step η' (reference: langevin lr, fixed 0.1)", {"entropy-sgd"});
  scoped.option("--beta1", config.entropy_sgd.beta_1,
                "Entropy-SGD: μ ← β1 μ + (1 − β1) w, β1 in [0, 1) (reference: "
                "langevin beta1, fixed 0.75)", {"entropy-sgd"});
  scoped.option("--covariance", config.covariance.kind,
                "iso: Alg. 1's Gaussians N(x, τI) (the paper); diag: N(x, "
                "diag(s)), s updated to q's per-coordinate variance (§7 "
                "Extensions; docs/METHODS.md), starting at --tau; uses "
                "--sampler full (the projected sampler needs isotropic noise); "
                "is: both moments from the same weighted samples, sgld: from "
                "the chain", {"is", "sgld"});
  scoped.option("--tau-min", config.covariance.tau_min,
                "--covariance diag: lower clip of the variances s", {"is", "sgld"});
  scoped.option("--tau-max", config.covariance.tau_max,
                "--covariance diag: upper clip of the variances s", {"is", "sgld"});
  // A flag that the chosen method ignores would be a silent mistake.
  // With `train --resume` the method comes from the checkpoint, and the
  // trainer checks each flag given against it instead.
  cmd.parse_complete_callback([&cmd, &config, scoped = scoped.release()] {
    const CLI::Option* resume = cmd.get_option_no_throw("--resume");
    if (resume != nullptr && resume->count() > 0) return;
    for (const Scoped& s : scoped)
      if (s.option->count() > 0 && s.methods.count(config.name) == 0)
        fail("{} does not apply to --method {}", s.option->get_name(), config.name);
    for (const char* flag : {"--tau-min", "--tau-max"})
      if (cmd.get_option(flag)->count() > 0 && config.covariance.kind != "diag")
        fail("{} clips the variances of --covariance diag; it does not apply to --covariance {}",
             flag, config.covariance.kind);
  });
}

}  // namespace valley::cli
