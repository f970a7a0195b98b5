// One error type for everything a user can cause: a bad flag, a bad file, a
// diverging run. Its message is one line that names the flag or the file and
// the problem; main() prints it and exits with status 2.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace valley {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// Throws valley::Error with a fmt-formatted one-line message.
template <typename... Args>
[[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) {
  throw Error(fmt::format(format, std::forward<Args>(args)...));
}

// `message` made safe to print as one line: control characters (a newline
// in a file name, say) become spaces, and bytes that are not UTF-8 (from a
// file name or a parser's excerpt of a binary file) become \xNN.
std::string one_line(std::string_view message);

}  // namespace valley
