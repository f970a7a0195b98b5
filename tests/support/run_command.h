// Runs the valley command line as a user would and captures what it says.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace valley::testing {

struct CommandResult {
  int exit_status = -1;  // 128 + the signal if a signal ended it
  std::string out;
  std::string err;
};

struct RunOptions {
  // Run as the user "nobody" when the tests run as root, so that file
  // permissions apply (root reads and writes anything).
  bool unprivileged = false;
  // A limit on the size of any file it writes (ulimit -f): a full disk.
  std::optional<uint64_t> max_file_bytes;
  // A launcher and its arguments before valley (mpirun -np 2 …). Without
  // one, the words of the environment variable VALLEY_TEST_LAUNCHER, if set:
  // the MPI build runs the bad-input catalogue once more through mpirun.
  std::vector<std::string> launcher;
};

// The launcher words of VALLEY_TEST_LAUNCHER (empty when it is not set).
std::vector<std::string> launcher_from_environment();

// Runs VALLEY_BINARY with the given arguments (no shell involved).
CommandResult run_valley(const std::vector<std::string>& args, const RunOptions& options = {});

// Runs another program (a path, not looked up in PATH) the same way; exit
// status 127 if it cannot be executed.
CommandResult run_program(const std::string& program, const std::vector<std::string>& args,
                          const RunOptions& options = {});

// valley running in the background with its output discarded, for the kill
// test. The destructor kills and reaps it if it is still running.
class BackgroundValley {
 public:
  explicit BackgroundValley(const std::vector<std::string>& args,
                            const std::vector<std::string>& launcher = {});
  pid_t pid() const { return pid_; }
  ~BackgroundValley();
  BackgroundValley(const BackgroundValley&) = delete;
  BackgroundValley& operator=(const BackgroundValley&) = delete;

  // Sends SIGKILL (a no-op once it has ended).
  void kill();
  // Waits for it to end: its exit status, or 128 + the signal that ended it.
  int wait();

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

}  // namespace valley::testing
