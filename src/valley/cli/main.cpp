// valley: train networks into wide, flat valleys of their loss.
// Errors a user can cause end in one line on stderr and exit status 2.
#include <csignal>
#include <cstdio>
#include <exception>
#include <filesystem>

#include <fmt/format.h>

#include "valley/cli/commands.h"
#include "valley/core/error.h"
#include "valley/core/stop_signal.h"
#include "valley/core/version.h"
#include "valley/distributed/communicator.h"
#include "valley/distributed/session.h"
#include "valley/options/flags.h"

namespace {

// The command line, under `session`; `reraise` is set to the stop signal
// that ended a command (core/stop_signal.h) when this process runs alone.
int run(int argc, char** argv, int& reraise) {
  // Past a file-size limit (ulimit -f) a write then fails with EFBIG, which
  // is reported like a full disk, instead of killing the process.
  std::signal(SIGXFSZ, SIG_IGN);
  // Under mpirun (in a build with MPI) this process is one rank of a job;
  // otherwise it runs alone. Errors below end the whole job once.
  valley::distributed::Session session(argc, argv);
  CLI::App app{
      "valley: minimize local entropy and heat-regularized losses (García Trillos, Kaplan, "
      "Sanz-Alonso 2019) by SGLD, importance sampling or Robbins–Monro, against SGD."};
  app.set_version_flag("--version", valley::kVersion);
  app.require_subcommand(1);
  valley::cli::add_train_command(app);
  valley::cli::add_data_command(app);
  valley::cli::add_bench_command(app);
  valley::cli::add_landscape_command(app);
  valley::cli::add_reproduce_command(app);
  valley::cli::add_flatness_command(app);
  valley::cli::add_eval_command(app);
  valley::cli::refuse_out_of_range(app);
  try {
    app.parse(argc, argv);
  } catch (const valley::cli::CommandFailed& failed) {
    std::fflush(stdout);
    return failed.status;
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const valley::Interrupted& e) {
    // Not an error of the user's: the files are whole, the line says what
    // was kept, and the status says which signal (128 + its number).
    std::fflush(stdout);
    if (valley::distributed::world().size() > 1)
      return session.fail(fmt::format("valley: {}", valley::one_line(e.what())), 128 + e.signal());
    fmt::print(stderr, "valley: {}\n", valley::one_line(e.what()));
    reraise = e.signal();
    return 128 + e.signal();
  } catch (const CLI::ParseError& e) {
    return session.fail(fmt::format("valley: error: {}", valley::one_line(e.what())));
  } catch (const valley::Error& e) {
    return session.fail(fmt::format("valley: error: {}", valley::one_line(e.what())));
  } catch (const std::filesystem::filesystem_error& e) {
    return session.fail(
        fmt::format("valley: error: {}: {}", valley::one_line(e.path1().string()), e.code().message()));
  } catch (const std::bad_alloc&) {
    return session.fail("valley: error: out of memory");
  } catch (const std::exception& e) {
    return session.fail(fmt::format("valley: internal error: {}", valley::one_line(e.what())), 3);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int reraise = 0;
  const int status = run(argc, argv, reraise);
  if (reraise != 0) {
    // End by the signal itself, now that everything is written and closed,
    // so that the shell that started valley learns of the interrupt (a loop
    // in a script stops too). Its status reads 128 + the signal either way.
    std::signal(reraise, SIG_DFL);
    std::raise(reraise);
  }
  return status;
}
