// What every fuzz target checks of a rejected input: the reader's error is
// one line, as `valley` prints it. A message with a newline aborts, which
// libFuzzer reports as a crash with the input that caused it.
#pragma once

#include <cstdlib>
#include <string_view>

#include "valley/core/error.h"

namespace valley::fuzz {

inline void expect_one_line(const Error& e) {
  if (std::string_view(e.what()).find('\n') != std::string_view::npos) std::abort();
}

}  // namespace valley::fuzz
