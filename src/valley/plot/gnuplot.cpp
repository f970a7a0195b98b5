#include "valley/plot/gnuplot.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "valley/core/error.h"

namespace valley {
namespace {

struct ProgramResult {
  int exit_status = -1;
  std::string messages;  // what it wrote on stderr
};

// Runs `argv` (argv[0] a full path) in `dir`, no shell, and collects stderr.
ProgramResult run_in(const std::filesystem::path& dir, std::vector<std::string> argv) {
  std::vector<char*> args;
  for (std::string& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) fail("cannot start {}: {}", argv[0], std::strerror(errno));
  const pid_t pid = ::fork();
  if (pid < 0) fail("cannot start {}: {}", argv[0], std::strerror(errno));
  if (pid == 0) {
    const int null_fd = ::open("/dev/null", O_RDWR);
    ::dup2(null_fd, STDIN_FILENO);
    ::dup2(null_fd, STDOUT_FILENO);
    ::dup2(pipe_fds[1], STDERR_FILENO);
    ::close(pipe_fds[0]);
    if (::chdir(dir.c_str()) != 0) ::_exit(126);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  ProgramResult result;
  char buffer[4096];
  for (ssize_t n; (n = ::read(pipe_fds[0], buffer, sizeof buffer)) != 0;) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    result.messages.append(buffer, static_cast<size_t>(n));
  }
  ::close(pipe_fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

std::string first_line(const std::string& text) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);)
    if (line.find_first_not_of(" \t") != std::string::npos) return line;
  return "no message";
}

}  // namespace

std::filesystem::path find_gnuplot() {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const std::filesystem::path candidate = std::filesystem::path(dir.empty() ? "." : dir) / "gnuplot";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

bool gnuplot_available() { return !find_gnuplot().empty(); }

std::string gnuplot_quote(const std::string& text) {
  std::string out = "'";
  for (const char c : text) {
    // A control character (a newline in a run's name) would end the line of
    // the script; in a title a space says the same.
    out += static_cast<unsigned char>(c) < 0x20 || c == '\x7f' ? ' ' : c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

void run_gnuplot(const std::filesystem::path& script, const std::filesystem::path& dir,
                 const std::vector<std::string>& args, const std::vector<std::string>& outputs) {
  const std::filesystem::path gnuplot = find_gnuplot();
  if (gnuplot.empty()) fail("{}: cannot run gnuplot: it is not on PATH", script.string());
  std::vector<std::string> argv = {gnuplot.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  const ProgramResult result = run_in(dir, argv);
  if (result.exit_status != 0)
    fail("{}: gnuplot failed (exit status {}): {}", script.string(), result.exit_status,
         first_line(result.messages));
  for (const std::string& output : outputs) {
    const std::filesystem::path drawn = dir / (output + ".tmp");
    if (!std::filesystem::exists(drawn))
      fail("{}: gnuplot did not draw {}: {}", script.string(), output, first_line(result.messages));
    std::filesystem::rename(drawn, dir / output);
  }
}

void run_gnuplot(const std::filesystem::path& script, const std::filesystem::path& dir,
                 const std::vector<std::string>& outputs) {
  run_gnuplot(script, dir, {std::filesystem::absolute(script).string()}, outputs);
}

}  // namespace valley
