#include "valley/toy/gnuplot.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "valley/core/error.h"

extern char** environ;

namespace valley {

bool gnuplot_available() {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return false;
  std::stringstream dirs(path);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const std::filesystem::path candidate = std::filesystem::path(dir.empty() ? "." : dir) / "gnuplot";
    if (::access(candidate.c_str(), X_OK) == 0) return true;
  }
  return false;
}

void run_gnuplot(const std::filesystem::path& script, const std::filesystem::path& dir,
                 const std::vector<std::string>& pngs) {
  std::string program = "gnuplot", script_arg = script.string();
  char* argv[] = {program.data(), script_arg.data(), nullptr};
  pid_t pid = 0;
  const int spawn_error = ::posix_spawnp(&pid, "gnuplot", nullptr, nullptr, argv, environ);
  if (spawn_error != 0) fail("{}: cannot run gnuplot: {}", script.string(), std::strerror(spawn_error));
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) fail("{}: waiting for gnuplot failed: {}", script.string(), std::strerror(errno));
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    fail("{}: gnuplot failed (exit status {}); its messages are above", script.string(),
         WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  for (const std::string& png : pngs) {
    const std::filesystem::path drawn = dir / (png + ".tmp");
    if (!std::filesystem::exists(drawn)) fail("{}: gnuplot did not draw {}", script.string(), png);
    std::filesystem::rename(drawn, dir / png);
  }
}

std::string gnuplot_quote(const std::string& text) {
  std::string out = "'";
  for (const char c : text) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

}  // namespace valley
