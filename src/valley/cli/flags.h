// Flags shared by the subcommands that run a method (train, bench).
#pragma once

#include <CLI/CLI.hpp>

#include "valley/methods/method_config.h"

namespace valley::cli {

void add_method_flags(CLI::App& cmd, MethodConfig& config);

}  // namespace valley::cli
