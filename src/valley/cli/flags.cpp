#include "valley/cli/flags.h"

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "valley/core/error.h"

namespace valley::cli {
namespace {

// An option and the methods it means something for.
struct Scoped {
  CLI::Option* option;
  std::set<std::string> methods;
};

template <typename T>
CLI::Option* add_optional(CLI::App& cmd, const std::string& name, std::optional<T>& target,
                          const std::string& help) {
  return cmd.add_option_function<T>(name, [&target](const T& value) { target = value; }, help);
}

}  // namespace

void add_method_flags(CLI::App& cmd, MethodConfig& config) {
  cmd.add_option("--method", config.name,
                 "sgd: plain SGD; sgld / is: local entropy (Alg. 1) with the SGLD (Alg. 3) or "
                 "importance-sampling (Alg. 4) mean estimator; heat: heat regularization by "
                 "Robbins–Monro (Alg. 2 + 5)")
      ->capture_default_str();
  cmd.add_option("--seed", config.seed,
                 "Seed of every random number (initial weights, minibatches, noise)")
      ->capture_default_str();
  cmd.add_option("--lr", config.sgd.lr, "SGD learning rate (also used by --sgd-first)")
      ->capture_default_str();
  const std::set<std::string> regularized = {"sgld", "is", "heat"};
  std::vector<Scoped> scoped;
  scoped.push_back({cmd.add_option("--tau", config.regularization.tau,
                                   "τ: variance of φ_{x,τ}, the scale of the regularization")
                        ->capture_default_str(),
                    regularized});
  scoped.push_back({cmd.add_option("--tau-schedule", config.regularization.schedule,
                                   "const, scoping: τ(k) = τ0/(1+τ1)^k (eq. 18), or "
                                   "reverse-scoping: τ(k) = τ0·(1+τ1)^k")
                        ->capture_default_str(),
                    regularized});
  scoped.push_back({add_optional(cmd, "--tau0", config.regularization.tau_0,
                                 "τ0 of a τ schedule (default: --tau)"),
                    regularized});
  scoped.push_back({cmd.add_option("--tau1", config.regularization.tau_1, "τ1 of a τ schedule")
                        ->capture_default_str(),
                    regularized});
  scoped.push_back({add_optional(cmd, "--eta", config.regularization.eta,
                                 "Outer step η of Alg. 1: x ← x − η(x − μ)/τ (default: η = τ, "
                                 "so x ← μ)"),
                    {"sgld", "is"}});
  scoped.push_back({add_optional(cmd, "--samples", config.n_samples,
                                 "Samples per update: J for sgld and is (default 1000); for heat "
                                 "M = J = floor(sqrt(S)) (Fig. 6)"),
                    regularized});
  scoped.push_back({cmd.add_option("--eps0", config.sgld.eps_0,
                                   "SGLD temperatures ε_j = 1/(ε0 + j)")
                        ->capture_default_str(),
                    {"sgld"}});
  scoped.push_back({cmd.add_option("--sgld-noise", config.sgld.noise,
                                   "variance: η_j ∼ N(0, ε_j) as Alg. 3 is written; stddev: "
                                   "η_j ∼ N(0, ε_j²), the reading that reproduces the paper's "
                                   "SGLD numbers (docs/REPRODUCTION.md)")
                        ->capture_default_str(),
                    {"sgld"}});
  scoped.push_back({cmd.add_option("--sgld-chains", config.sgld.chains,
                                   "C independent SGLD chains from x, each of --samples steps, their "
                                   "weighted means averaged: a different estimator (C× the "
                                   "gradients), whose chains spread over MPI ranks; 1: Alg. 3 as is")
                        ->capture_default_str(),
                    {"sgld"}});
  scoped.push_back({cmd.add_option("--beta", config.is.beta, "IS weights exp(−β f)")
                        ->capture_default_str(),
                    {"is"}});
  scoped.push_back({add_optional(cmd, "--rm-iters", config.heat.n_iterations,
                                 "Robbins–Monro iterations J (default 30)"),
                    {"heat"}});
  scoped.push_back({add_optional(cmd, "--rm-samples", config.heat.n_draws,
                                 "Draws M per Robbins–Monro iteration (default 30)"),
                    {"heat"}});
  scoped.push_back({cmd.add_option("--rm-c", config.heat.c, "Robbins–Monro steps a_j = c j^(−α)")
                        ->capture_default_str(),
                    {"heat"}});
  scoped.push_back({cmd.add_option("--rm-alpha", config.heat.alpha, "α in a_j = c j^(−α), in (1/2, 1]")
                        ->capture_default_str(),
                    {"heat"}});
  scoped.push_back({cmd.add_option("--sampler", config.sampler,
                                   "full: every sample draws all d coordinates, as in the paper; "
                                   "projected: the same estimator in law, drawing only the noise "
                                   "the minibatch can see (exact, 25-100x cheaper); auto: "
                                   "projected unless --inner-batch fresh")
                        ->capture_default_str(),
                    regularized});
  scoped.push_back({cmd.add_option("--sgd-first", config.sgd_first,
                                   "Run plain SGD (step --lr) for this many updates, then the "
                                   "method (Fig. 5)")
                        ->capture_default_str(),
                    regularized});
  // A flag that the chosen method ignores would be a silent mistake.
  // With `train --resume` the method comes from the checkpoint, and the
  // trainer checks each flag given against it instead.
  cmd.parse_complete_callback([&cmd, &config, scoped = std::move(scoped)] {
    const CLI::Option* resume = cmd.get_option_no_throw("--resume");
    if (resume != nullptr && resume->count() > 0) return;
    for (const Scoped& s : scoped)
      if (s.option->count() > 0 && s.methods.count(config.name) == 0)
        fail("{} does not apply to --method {}", s.option->get_name(), config.name);
  });
}

}  // namespace valley::cli
