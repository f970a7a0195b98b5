// valley flatness RUN_DIR… --out DIR: how flat is the minimum each run found?
// Every measure of flatness/measure_run.h on the loss of an explicit subset —
// the first --subset N images of the training files in file order — with the
// same random draws for every run (one --seed), side by side. docs/FLATNESS.md.
#include <memory>

#include "valley/cli/commands.h"
#include "valley/flatness/flatness_runner.h"

namespace valley::cli {

void add_flatness_command(CLI::App& app) {
  auto o = std::make_shared<FlatnessRequest>();
  CLI::App* cmd = app.add_subcommand(
      "flatness",
      "Measure the minimum each run found: local-entropy and heat profiles, the Hessian's top "
      "eigenvalues, trace and spectral density (exact Hessian-vector products), filter-normalized "
      "loss landscapes, ε-sharpness and PAC-Bayes σ, with the same random draws for every run. "
      "See docs/FLATNESS.md.");
  cmd->add_option("runs", o->runs, "Run directories (of valley train) to measure side by side")->required();
  cmd->add_option("--out", o->out_dir, "Directory for flatness.json, the CSV files and the figures")->required();
  cmd->add_option("--data", o->data_dir,
                  "Take the loss subset and the test set from this data directory (default: the data each run "
                  "trained on)");
  cmd->add_option("--subset", o->subset,
                  "The loss is the mean cross-entropy over the first N training images in file order, or 'all' "
                  "(default 10000; 2000 with --quick)");
  cmd->add_option("--seed", o->seed, "Seed of every random draw, probe and direction (shared by all runs)")
      ->capture_default_str();
  cmd->add_flag("--quick", o->quick, "A first look: fewer draws, Lanczos steps, probes and landscape points");
  cmd->add_flag("--brief", o->brief,
                "Print only the short table (held-out accuracy, train loss, ΔF_τ at τ = 0.01, λ_max, heat width)");
  cmd->add_option("--between", o->between, "RUN_A RUN_B: the loss on the line (1 − α) x_A + α x_B, α ∈ [−0.5, 1.5]")
      ->expected(2);
  cmd->add_option("--threads", o->n_threads, "Worker threads (results do not depend on it)")->capture_default_str();
  cmd->callback([o] { run_flatness(*o); });
}

}  // namespace valley::cli
