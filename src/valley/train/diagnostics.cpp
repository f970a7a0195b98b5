#include "valley/train/diagnostics.h"

#include <cstdlib>
#include <fstream>

#include <fmt/format.h>

#include "valley/core/atomic_file.h"
#include "valley/core/error.h"
#include "valley/core/files.h"

namespace valley {

void DiagnosticsLog::add(int64_t update, const std::string& fields) {
  lines_.push_back(fmt::format("{},{}", update, fields));
}

std::string DiagnosticsLog::csv() const {
  std::string out = header_ + "\n";
  for (const std::string& line : lines_) out += line + "\n";
  return out;
}

void DiagnosticsLog::write(const std::filesystem::path& dir) const {
  write_file_atomically(dir / file_name_, csv());
}

void DiagnosticsLog::resume(const std::filesystem::path& dir, int64_t n_done) {
  const std::filesystem::path file = dir / file_name_;
  expect_regular_file(file);
  std::ifstream in(file);
  if (!in) fail("{}: cannot read the diagnostics of the run to resume", file.string());
  std::string line;
  if (!std::getline(in, line) || line != header_)
    fail("{}: not the run's diagnostics file (its header is not {})", file.string(), header_);
  lines_.clear();
  int64_t line_number = 1, last = 0;
  while (std::getline(in, line)) {
    ++line_number;
    char* end = nullptr;
    const long long update = std::strtoll(line.c_str(), &end, 10);
    if (end == line.c_str() || *end != ',' || update < last)
      fail("{}: line {} does not start with an update number in order", file.string(), line_number);
    last = update;
    if (update > n_done) break;
    lines_.push_back(line);
  }
}

}  // namespace valley
