#include "valley/options/flatness_flags.h"

#include "valley/options/flags.h"

namespace valley::cli {

void add_flatness_flags(CLI::App& cmd, FlatnessRequest& o) {
  cmd.add_option("runs", o.runs, "Run directories (of valley train) to measure side by side")
      ->required()
      ->type_name("PATH");
  cmd.add_option("--out", o.out_dir, "Directory for flatness.json, the CSV files and the figures")
      ->required()
      ->type_name("PATH");
  cmd.add_option(
         "--data", o.data_dir,
         "Take the loss subset and the test set from this data directory (default: the data each run "
         "trained on, as recorded in its config.json or model file, checked by size and CRC-32). Must be "
         "each run's data unless --other-data is given")
      ->type_name("PATH");
  cmd.add_flag("--other-data", o.other_data, "Measure on --data even where a run trained on other data");
  cmd.add_option(
      "--subset", o.subset,
      "The loss is the mean cross-entropy over the first N training images in file order, or 'all' "
      "(default 10000; 2000 with --quick)");
  cmd.add_option("--seed", o.seed, "Seed of every random draw, probe and direction (shared by all runs)")
      ->capture_default_str()
      ->check(non_negative());
  cmd.add_flag("--quick", o.quick, "A first look: fewer draws, Lanczos steps, probes and landscape points");
  cmd.add_option("--between", o.between,
                 "RUN_A RUN_B: the loss on the line (1 − α) x_A + α x_B, α ∈ [−0.5, 1.5]")
      ->expected(2)
      ->type_name("PATH");
  cmd.add_option("--threads", o.n_threads, "Worker threads (results do not depend on it)")
      ->capture_default_str();
  refuse_out_of_range(cmd);
}

}  // namespace valley::cli
