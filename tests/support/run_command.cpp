#include "support/run_command.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "support/fixtures.h"

namespace valley::testing {

CommandResult run_valley(const std::vector<std::string>& args) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("valley-cmd-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto out_path = dir / "stdout";
  const auto err_path = dir / "stderr";
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int out_fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err_fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int null_fd = ::open("/dev/null", O_RDONLY);
    ::dup2(out_fd, STDOUT_FILENO);
    ::dup2(err_fd, STDERR_FILENO);
    ::dup2(null_fd, STDIN_FILENO);
    std::vector<char*> argv;
    std::string binary = VALLEY_BINARY;
    argv.push_back(binary.data());
    std::vector<std::string> copies = args;
    for (std::string& a : copies) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  CommandResult result;
  result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = read_text(out_path);
  result.err = read_text(err_path);
  std::filesystem::remove_all(dir);
  return result;
}

}  // namespace valley::testing
