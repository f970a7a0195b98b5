#include "valley/dist/dist.h"

namespace valley {
namespace {

class SingleProcess final : public Communicator {
 public:
  int world_size() const override { return 1; }
  int rank() const override { return 0; }
  void allreduce_sum(std::span<double>) const override {}
  void allreduce_max(std::span<double>) const override {}
};

}  // namespace

const Communicator& single_process() {
  static const SingleProcess instance;
  return instance;
}

}  // namespace valley
