// A stop asked for by a signal (SIGINT, SIGTERM, SIGHUP) to a command that
// ends cleanly: the first signal only sets a flag, which the command checks at
// its safe points (between two updates of a training, at each loss
// evaluation of a flatness measurement, before it writes its results), and
// there it stops: whole files, a one-line message, exit status 128 + the
// signal. The handler also
// gives every one of these signals back its default action, so a second
// signal ends the process at once (files are written under a temporary name
// and renamed, so even then none is half-written). docs/RELIABILITY.md,
// "Signals".
#pragma once

#include <string>

#include "valley/core/error.h"

namespace valley {

// Installs the handler for SIGINT, SIGTERM and SIGHUP, each only where its
// action is still the default one: a signal the caller ignores (nohup's
// SIGHUP) or handles otherwise (an MPI rank's SIGTERM) keeps its action.
void install_stop_handlers();

// The first stop signal received since install_stop_handlers(), or 0.
int stop_signal();

// Seconds since that signal came (0 if none came).
double seconds_since_stop_signal();

// "SIGINT", "SIGTERM", "SIGHUP" (else "signal N").
std::string signal_name(int signal);

// Thrown where a command stops after a stop signal. It is a valley::Error so
// that every cleanup that runs on an error runs; main() prints its one line
// and ends with status 128 + signal.
class Interrupted : public Error {
 public:
  Interrupted(int signal, const std::string& message) : Error(message), signal_(signal) {}
  int signal() const { return signal_; }

 private:
  int signal_;
};

// Throws Interrupted ("<what>: interrupted by SIGINT<then>") if a stop
// signal came.
void throw_if_stopped(const std::string& what, const std::string& then = "");

}  // namespace valley
