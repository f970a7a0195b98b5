// The flags of `valley flatness`, registered by one function for the command
// and for the Python module's valley.flatness: one name, one default and one
// check per setting in both.
#pragma once

#include <CLI/CLI.hpp>

#include "valley/flatness/flatness_runner.h"

namespace valley::cli {

// The runs (positional), --out (required), --data, --subset, --seed, --quick,
// --between and --threads.
void add_flatness_flags(CLI::App& cmd, FlatnessRequest& request);

}  // namespace valley::cli
