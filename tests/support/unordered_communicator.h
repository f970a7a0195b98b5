// A fault-injecting Communicator for the R-invariance tests: every call goes
// to the communicator it wraps, but its fold over the ranks is deliberately
// unordered — each rank folds its own partial sums, rescales them to the
// largest maximum of all ranks, and a floating-point MPI_Allreduce(SUM) adds
// the ranks' sums in whatever order MPI picks. The tests must catch it
// (distributed/ranks_test.cpp), which shows that they can fail.
#pragma once

#include <mpi.h>

#include <cmath>
#include <limits>

#include "valley/core/error.h"
#include "valley/distributed/communicator.h"

namespace valley::testing {

class UnorderedCommunicator final : public distributed::Communicator {
 public:
  explicit UnorderedCommunicator(distributed::Communicator& inner) : inner_(inner) {}

  int rank() const override { return inner_.rank(); }
  int size() const override { return inner_.size(); }
  void send(int to, std::span<const double> values) override { inner_.send(to, values); }
  void send(int to, std::span<const float> values) override { inner_.send(to, values); }
  void receive(int from, std::span<double> values) override { inner_.receive(from, values); }
  void receive(int from, std::span<float> values) override { inner_.receive(from, values); }
  void broadcast(int root, std::span<double> values) override { inner_.broadcast(root, values); }
  void broadcast(int root, std::span<float> values) override { inner_.broadcast(root, values); }
  void all_gather(std::span<float> values, std::span<const int64_t> counts) override {
    inner_.all_gather(values, counts);
  }
  void barrier() override { inner_.barrier(); }
  std::string first_failure(const std::string& message) override { return inner_.first_failure(message); }

  void fold_in_rank_order(WeightedSum& total, std::span<const WeightedSum> later) override {
    for (const WeightedSum& part : later) total.fold(part);  // this rank's own, in order
    const Eigen::Index d = total.sum.size();
    const double max = total.weights.max();
    Vec maxima = Vec::Zero(size());
    maxima[rank()] = std::isfinite(max) ? static_cast<float>(max) : -1e30f;
    unordered_sum(maxima);
    const double global_max = maxima.maxCoeff();
    const double scale = max == -std::numeric_limits<double>::infinity() ? 0.0 : std::exp(max - global_max);
    Vec packed(d + 2);
    packed.head(d) = static_cast<float>(scale) * total.sum;
    packed[d] = static_cast<float>(total.weights.scaled_sum() * scale);
    packed[d + 1] = static_cast<float>(total.weights.scaled_sum_squares() * scale * scale);
    unordered_sum(packed);
    total.sum = packed.head(d);
    total.weights = LogSumExp::from_parts(global_max, packed[d], packed[d + 1]);
  }

 private:
  static void unordered_sum(Vec& values) {
    if (MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_FLOAT, MPI_SUM,
                      MPI_COMM_WORLD) != MPI_SUCCESS)
      fail("MPI_Allreduce failed");
  }

  distributed::Communicator& inner_;
};

}  // namespace valley::testing
