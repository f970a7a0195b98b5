#include "valley/cli/flags.h"

namespace valley::cli {

void add_method_flags(CLI::App& cmd, MethodConfig& config) {
  cmd.add_option("--method", config.name, "Training method: sgd")->capture_default_str();
  cmd.add_option("--seed", config.seed,
                 "Seed of every random number (initial weights, minibatches, noise)")
      ->capture_default_str();
  cmd.add_option("--lr", config.sgd.lr, "SGD learning rate")->capture_default_str();
}

}  // namespace valley::cli
