// The seam between valley's algorithms and the processes of a distributed
// run (docs/DISTRIBUTED.md). An algorithm asks world() for the communicator
// of the job it runs in: one process (SerialCommunicator, the build without
// MPI and a valley started without mpirun) or R MPI ranks. Only data
// movement whose result does not depend on the order of arrival is offered —
// sends along a chain, broadcasts, gathers, agreement on integers, and the
// ordered fold of eq. 16's partial sums over the ranks — so that every
// floating-point sum stays in the algorithm's own fixed order and results are
// the same bit for bit for every R. (The tests' fault-injecting communicator,
// tests/support/unordered_communicator.h, overrides the fold with an
// unordered one, to show that the R-invariance tests catch it.)
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "valley/numerics/weighted_sum.h"

namespace valley::distributed {

class Communicator {
 public:
  virtual ~Communicator() = default;

  virtual int rank() const = 0;
  virtual int size() const = 0;
  bool is_root() const { return rank() == 0; }

  // Point to point, for ordered folds along the ranks (blocking).
  virtual void send(int to, std::span<const double> values) = 0;
  virtual void send(int to, std::span<const float> values) = 0;
  virtual void receive(int from, std::span<double> values) = 0;
  virtual void receive(int from, std::span<float> values) = 0;

  // Every rank ends with root's values.
  virtual void broadcast(int root, std::span<double> values) = 0;
  virtual void broadcast(int root, std::span<float> values) = 0;

  // values holds the pieces of all ranks one after another, rank r's
  // counts[r] numbers from the offset Σ_{q<r} counts[q]; each rank fills its
  // own piece, and afterwards every rank holds every piece (a copy: exact).
  virtual void all_gather(std::span<float> values, std::span<const int64_t> counts) = 0;

  virtual void barrier() = 0;

  // Agreement on a failure seen by some ranks: every rank passes its own
  // message (empty: no failure) and gets back that of the lowest rank that
  // failed (empty when none did). Callers then fail on every rank alike.
  virtual std::string first_failure(const std::string& message) = 0;

  // The ordered fold over the ranks (distributed/ordered_fold.h): the
  // partial sums of a fixed order are spread over the ranks in contiguous
  // runs, rank 0's first. On rank 0 `total` holds the fold of its own run
  // and `later` is empty; on every other rank `total` is empty and `later`
  // holds its run. Afterwards every rank's `total` is the fold of all of
  // them in order: that of one process, bit for bit. The default hands the
  // running total from rank to rank (send, receive) and broadcasts it from
  // the last.
  virtual void fold_in_rank_order(WeightedSum& total, std::span<const WeightedSum> later);

  // Seconds spent in the calls above since the start (for benchmarks).
  double seconds() const { return seconds_; }

 protected:
  double seconds_ = 0.0;
};

// One process: rank 0 of 1. Point-to-point calls have no partner and fail.
class SerialCommunicator final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void send(int to, std::span<const double> values) override;
  void send(int to, std::span<const float> values) override;
  void receive(int from, std::span<double> values) override;
  void receive(int from, std::span<float> values) override;
  void broadcast(int, std::span<double>) override {}
  void broadcast(int, std::span<float>) override {}
  void all_gather(std::span<float>, std::span<const int64_t>) override {}
  void barrier() override {}
  std::string first_failure(const std::string& message) override { return message; }
};

// The communicator of the job this process belongs to (a SerialCommunicator
// until main() installs another).
Communicator& world();
void set_world(std::unique_ptr<Communicator> communicator);

// While alive, world() is `communicator` (reproduce runs each training on
// one rank); restores the previous one after.
class ScopedWorld {
 public:
  explicit ScopedWorld(Communicator& communicator);
  ~ScopedWorld();
  ScopedWorld(const ScopedWorld&) = delete;
  ScopedWorld& operator=(const ScopedWorld&) = delete;

 private:
  Communicator* previous_;
};

// The contiguous share [begin, end) of n items that rank r of R takes: the
// first n mod R ranks take one more. Which rank computes an item never
// changes what is computed.
struct Share {
  int64_t begin = 0;
  int64_t end = 0;
};
Share share_of(int64_t n, int rank, int size);

}  // namespace valley::distributed
