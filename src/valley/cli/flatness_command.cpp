// valley flatness RUN_DIR… --out DIR: how flat is the minimum each run found?
// Every measure of flatness/measure_run.h on the loss of an explicit subset —
// the first --subset N images of the training files in file order — with the
// same random draws for every run (one --seed), side by side. docs/FLATNESS.md.
#include <memory>

#include "valley/cli/commands.h"
#include "valley/core/stop_signal.h"
#include "valley/options/flatness_flags.h"

namespace valley::cli {

void add_flatness_command(CLI::App& app) {
  auto o = std::make_shared<FlatnessRequest>();
  CLI::App* cmd = app.add_subcommand(
      "flatness",
      "Measure the minimum each run found: local-entropy and heat profiles, the Hessian's top "
      "eigenvalues, trace and spectral density (exact Hessian-vector products), filter-normalized "
      "loss landscapes, ε-sharpness and PAC-Bayes σ, with the same random draws for every run. "
      "See docs/FLATNESS.md.");
  add_flatness_flags(*cmd, *o);
  cmd->add_flag(
      "--brief", o->brief,
      "Print only the short table (held-out accuracy, train loss, ΔF_τ at τ = 0.01, λ_max, heat width)");
  cmd->callback([o] {
    install_stop_handlers();  // the first signal stops before the next part, writing nothing
    run_flatness(*o);
  });
}

}  // namespace valley::cli
