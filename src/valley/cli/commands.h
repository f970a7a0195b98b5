// One function per subcommand; each registers its flags on the app and the
// code that runs when the subcommand is chosen.
#pragma once

#include <CLI/CLI.hpp>

namespace valley::cli {

void add_train_command(CLI::App& app);
void add_data_command(CLI::App& app);
void add_bench_command(CLI::App& app);
void add_landscape_command(CLI::App& app);
void add_reproduce_command(CLI::App& app);
void add_eval_command(CLI::App& app);

// Thrown by a command that ran to its end but whose result is a failure
// (its own report already printed): main returns `status` after the stack
// has unwound, so threads and open files are closed in order.
struct CommandFailed {
  int status = 1;
};

}  // namespace valley::cli
