#include "support/run_command.h"

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "support/fixtures.h"

namespace valley::testing {
namespace {

// Of the user "nobody" on Debian.
constexpr uid_t kNobody = 65534;

// In the child: redirects stdin/stdout/stderr, applies `options` and runs
// `binary` (valley unless said otherwise); never returns.
[[noreturn]] void exec_valley(const std::vector<std::string>& args, int out_fd, int err_fd,
                              const RunOptions& options, std::string binary = VALLEY_BINARY) {
  const int null_fd = ::open("/dev/null", O_RDONLY);
  ::dup2(out_fd, STDOUT_FILENO);
  ::dup2(err_fd, STDERR_FILENO);
  ::dup2(null_fd, STDIN_FILENO);
  if (options.max_file_bytes) {
    const rlimit limit{*options.max_file_bytes, *options.max_file_bytes};
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) ::_exit(126);
  }
  if (options.unprivileged && ::geteuid() == 0) {
    if (::setgroups(0, nullptr) != 0 || ::setgid(kNobody) != 0 || ::setuid(kNobody) != 0) ::_exit(126);
  }
  std::vector<std::string> copies = options.launcher.empty() ? launcher_from_environment() : options.launcher;
  copies.push_back(binary);
  copies.insert(copies.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : copies) argv.push_back(a.data());
  argv.push_back(nullptr);
  ::execvp(argv[0], argv.data());
  ::_exit(127);
}

int decode_status(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }

}  // namespace

std::vector<std::string> launcher_from_environment() {
  std::vector<std::string> words;
  const char* value = std::getenv("VALLEY_TEST_LAUNCHER");
  if (value == nullptr) return words;
  std::istringstream in(value);
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

CommandResult run_valley(const std::vector<std::string>& args, const RunOptions& options) {
  return run_program(VALLEY_BINARY, args, options);
}

CommandResult run_program(const std::string& program, const std::vector<std::string>& args,
                          const RunOptions& options) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("valley-cmd-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto out_path = dir / "stdout";
  const auto err_path = dir / "stderr";
  const pid_t pid = ::fork();
  if (pid == 0) {
    exec_valley(args, ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644),
                ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644), options, program);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  CommandResult result;
  result.exit_status = decode_status(status);
  result.out = read_text(out_path);
  result.err = read_text(err_path);
  std::filesystem::remove_all(dir);
  return result;
}

BackgroundValley::BackgroundValley(const std::vector<std::string>& args,
                                   const std::vector<std::string>& launcher) {
  pid_ = ::fork();
  if (pid_ == 0) {
    const int null_fd = ::open("/dev/null", O_WRONLY);
    RunOptions options;
    options.launcher = launcher;
    exec_valley(args, null_fd, null_fd, options);
  }
}

BackgroundValley::~BackgroundValley() {
  kill();
  wait();
}

void BackgroundValley::kill() {
  if (!status_) ::kill(pid_, SIGKILL);
}

int BackgroundValley::wait() {
  if (!status_) {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    status_ = decode_status(status);
  }
  return *status_;
}

}  // namespace valley::testing
