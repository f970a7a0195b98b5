// The life of a process within a job. main() holds one Session: with MPI
// (built with VALLEY_MPI and started by mpirun) it initializes MPI, installs
// the MPI communicator as world(), sends the standard output of every rank
// but 0 to /dev/null, and finalizes at the end; otherwise world() stays the
// single-process communicator and nothing else changes.
#pragma once

#include <string>

namespace valley::distributed {

class Session {
 public:
  Session(int& argc, char**& argv);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Ends this process after an error whose one-line text is `line`, making
  // sure the job prints it once and ends with `status`: alone, it prints and
  // returns it. In a job of several ranks every rank fails the same way at the
  // same point (failures seen by one rank are first agreed on, see
  // Communicator::first_failure), so rank 0 prints and aborts the job; the
  // other ranks wait a moment for that abort, and print and abort themselves
  // only if it does not come (a failure seen by them alone).
  int fail(const std::string& line, int status = 2);

 private:
  // Read by the MPI session only (serial_session.cpp has no use for it).
  [[maybe_unused]] bool mpi_ = false;
};

}  // namespace valley::distributed
