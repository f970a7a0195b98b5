// Runs the valley command line as a user would and captures what it says.
#pragma once

#include <string>
#include <vector>

namespace valley::testing {

struct CommandResult {
  int exit_status = -1;
  std::string out;
  std::string err;
};

// Runs VALLEY_BINARY with the given arguments (no shell involved).
CommandResult run_valley(const std::vector<std::string>& args);

}  // namespace valley::testing
