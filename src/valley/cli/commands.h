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

}  // namespace valley::cli
