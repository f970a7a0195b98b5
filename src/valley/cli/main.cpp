// valley: train networks into wide, flat valleys of their loss.
// Errors a user can cause end in one line on stderr and exit status 2.
#include <csignal>
#include <cstdio>
#include <exception>
#include <filesystem>

#include <fmt/format.h>

#include "valley/cli/commands.h"
#include "valley/core/error.h"
#include "valley/core/version.h"
#include "valley/distributed/session.h"
#include "valley/options/flags.h"

int main(int argc, char** argv) {
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
  } catch (const CLI::ParseError& e) {
    return session.fail(fmt::format("valley: error: {}", valley::one_line(e.what())));
  } catch (const valley::Error& e) {
    return session.fail(fmt::format("valley: error: {}", valley::one_line(e.what())));
  } catch (const std::filesystem::filesystem_error& e) {
    return session.fail(fmt::format("valley: error: {}: {}", valley::one_line(e.path1().string()),
                                    e.code().message()));
  } catch (const std::bad_alloc&) {
    return session.fail("valley: error: out of memory");
  } catch (const std::exception& e) {
    return session.fail(fmt::format("valley: internal error: {}", valley::one_line(e.what())), 3);
  }
  return 0;
}
