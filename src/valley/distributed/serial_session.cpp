// The Session of a build without MPI: one process.
#include <cstdio>

#include <fmt/format.h>

#include "valley/distributed/session.h"

namespace valley::distributed {

Session::Session(int&, char**&) {}
Session::~Session() = default;

int Session::fail(const std::string& line, int status) {
  fmt::print(stderr, "{}\n", line);
  return status;
}

}  // namespace valley::distributed
