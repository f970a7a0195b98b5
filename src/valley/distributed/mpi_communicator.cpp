// The MPI implementation of the Communicator and of the Session (built with
// VALLEY_MPI). Only MPI-3.1 calls, so Open MPI and MPICH both serve.
#include <mpi.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "valley/core/error.h"
#include "valley/distributed/communicator.h"
#include "valley/distributed/session.h"

namespace valley::distributed {
namespace {

int world_rank_for_signal = -1;

// MPI counts are int: long vectors go in pieces.
constexpr int64_t kMaxCount = int64_t{1} << 30;

void check(int code, const char* what) {
  if (code != MPI_SUCCESS) fail("MPI: {} failed (error {})", what, code);
}

template <typename T>
MPI_Datatype type_of() {
  return std::is_same_v<T, double> ? MPI_DOUBLE : MPI_FLOAT;
}

class MpiCommunicator final : public Communicator {
 public:
  MpiCommunicator() {
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }

  void send(int to, std::span<const double> values) override { send_any(to, values); }
  void send(int to, std::span<const float> values) override { send_any(to, values); }
  void receive(int from, std::span<double> values) override { receive_any(from, values); }
  void receive(int from, std::span<float> values) override { receive_any(from, values); }
  void broadcast(int root, std::span<double> values) override { broadcast_any(root, values); }
  void broadcast(int root, std::span<float> values) override { broadcast_any(root, values); }

  void all_gather(std::span<float> values, std::span<const int64_t> counts) override {
    const Timer timer(seconds_);
    std::vector<int> sizes(counts.size()), offsets(counts.size());
    int64_t offset = 0;
    for (std::size_t r = 0; r < counts.size(); ++r) {
      if (offset + counts[r] > INT_MAX) fail("MPI: a gather of {} numbers is too large", offset + counts[r]);
      sizes[r] = static_cast<int>(counts[r]);
      offsets[r] = static_cast<int>(offset);
      offset += counts[r];
    }
    check(MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, values.data(), sizes.data(), offsets.data(),
                         MPI_FLOAT, MPI_COMM_WORLD),
          "MPI_Allgatherv");
  }

  void barrier() override {
    const Timer timer(seconds_);
    check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier");
  }

  std::string first_failure(const std::string& message) override {
    const Timer timer(seconds_);
    // MIN over integers is exact and order-free.
    int mine = message.empty() ? INT_MAX : rank_, first = INT_MAX;
    check(MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD), "MPI_Allreduce");
    if (first == INT_MAX) return {};
    int length = rank_ == first ? static_cast<int>(message.size()) : 0;
    check(MPI_Bcast(&length, 1, MPI_INT, first, MPI_COMM_WORLD), "MPI_Bcast");
    std::string text = rank_ == first ? message : std::string(static_cast<std::size_t>(length), ' ');
    check(MPI_Bcast(text.data(), length, MPI_CHAR, first, MPI_COMM_WORLD), "MPI_Bcast");
    return text;
  }

 private:
  struct Timer {
    explicit Timer(double& total) : total_(total), start_(std::chrono::steady_clock::now()) {}
    ~Timer() { total_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }
    double& total_;
    std::chrono::steady_clock::time_point start_;
  };

  template <typename T>
  void send_any(int to, std::span<const T> values) {
    const Timer timer(seconds_);
    for (std::size_t at = 0; at < values.size() || at == 0; at += kMaxCount) {
      const int n = static_cast<int>(std::min<std::size_t>(kMaxCount, values.size() - at));
      check(MPI_Send(values.data() + at, n, type_of<T>(), to, 0, MPI_COMM_WORLD), "MPI_Send");
      if (values.empty()) break;
    }
  }
  template <typename T>
  void receive_any(int from, std::span<T> values) {
    const Timer timer(seconds_);
    for (std::size_t at = 0; at < values.size() || at == 0; at += kMaxCount) {
      const int n = static_cast<int>(std::min<std::size_t>(kMaxCount, values.size() - at));
      check(MPI_Recv(values.data() + at, n, type_of<T>(), from, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE),
            "MPI_Recv");
      if (values.empty()) break;
    }
  }
  template <typename T>
  void broadcast_any(int root, std::span<T> values) {
    const Timer timer(seconds_);
    for (std::size_t at = 0; at < values.size(); at += kMaxCount) {
      const int n = static_cast<int>(std::min<std::size_t>(kMaxCount, values.size() - at));
      check(MPI_Bcast(values.data() + at, n, type_of<T>(), root, MPI_COMM_WORLD), "MPI_Bcast");
    }
  }

  int rank_ = 0;
  int size_ = 1;
};

// Whether a launcher (mpirun, srun) started this process; without one,
// valley runs as one process and does not initialize MPI at all.
// Set once this process has reported an error and ends the job itself.
volatile std::sig_atomic_t ending = 0;

// mpirun stops the ranks with SIGTERM when one rank dies (killed, out of
// memory), and also when mpirun itself is interrupted (Ctrl-C) or
// terminated: rank 0 then says so, in one line, and every rank leaves with
// status 2 without writing anything more (files are written atomically, so
// the last checkpoint is whole).
extern "C" void on_terminate(int) {
  if (ending == 0 && world_rank_for_signal == 0) {
    static const char kLine[] =
        "valley: error: mpirun stopped this MPI job (another rank ended abnormally, or mpirun was "
        "interrupted or terminated); `--resume` continues a training from its last checkpoint\n";
    [[maybe_unused]] const auto n = ::write(STDERR_FILENO, kLine, sizeof(kLine) - 1);
  }
  std::_Exit(2);
}

bool started_by_launcher() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"})
    if (std::getenv(name) != nullptr) return true;
  return false;
}

}  // namespace

Session::Session(int& argc, char**& argv) {
  if (!started_by_launcher()) return;
  int provided = 0;
  // Only the main thread calls MPI; worker threads never do.
  if (MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
    fmt::print(stderr, "valley: error: MPI could not be initialized\n");
    std::exit(2);
  }
  mpi_ = true;
  // Errors are reported by valley itself, once (see fail()).
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  auto communicator = std::make_unique<MpiCommunicator>();
  world_rank_for_signal = communicator->rank();
  std::signal(SIGTERM, on_terminate);
  if (communicator->rank() != 0) {
    // One copy of what a run prints: rank 0's.
    if (std::freopen("/dev/null", "w", stdout) == nullptr) std::fclose(stdout);
  }
  set_world(std::move(communicator));
}

Session::~Session() {
  if (!mpi_) return;
  std::fflush(stdout);
  set_world(std::make_unique<SerialCommunicator>());
  MPI_Finalize();
}

int Session::fail(const std::string& line, int status) {
  if (!mpi_ || world().size() == 1) {
    fmt::print(stderr, "{}\n", line);
    return status;  // the destructor finalizes
  }
  std::fflush(stdout);
  ending = 1;
  if (world().rank() != 0) {
    // Rank 0 fails the same way and aborts the job, ending this process too.
    std::this_thread::sleep_for(std::chrono::seconds(5));
  }
  fmt::print(stderr, "{}\n", line);
  std::fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, status);
  std::_Exit(status);
}

}  // namespace valley::distributed
