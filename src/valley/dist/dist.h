// Communication between ranks (DESIGN "Where it runs": samples, chains and
// Robbins–Monro draws split over ranks and combined by allreduce). The stub
// in dist/stub is a real implementation for a single rank.
#pragma once

#include <span>

namespace valley {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int world_size() const = 0;
  virtual int rank() const = 0;
  // Sums `values` elementwise over all ranks, in place.
  virtual void allreduce_sum(std::span<double> values) const = 0;
  // Maximum of `values` elementwise over all ranks, in place.
  virtual void allreduce_max(std::span<double> values) const = 0;
};

// The communicator of a single process: world size 1, reductions are no-ops.
const Communicator& single_process();

}  // namespace valley
