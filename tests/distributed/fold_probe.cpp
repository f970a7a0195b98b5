// valley_fold_probe [--unordered]: three updates of importance sampling's
// eq. 16 (J = 4200: shards of several blocks) on a bumpy d = 3000 objective,
// under mpirun or alone; prints the final parameters' bytes in hex. With
// --unordered the ranks' sums are merged by the fault-injecting communicator
// (support/unordered_communicator.h). ranks_test.cpp compares the outputs.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>

#include "support/unordered_communicator.h"
#include "valley/backends/backend.h"
#include "valley/distributed/session.h"
#include "valley/sampling/importance.h"

namespace {

using valley::ConstVecRef;
using valley::VecRef;

class Bumpy final : public valley::Objective {
 public:
  explicit Bumpy(int64_t d) : d_(d) {}
  int64_t dim() const override { return d_; }

 protected:
  double compute_loss(ConstVecRef x) override {
    double f = 0.0;
    for (Eigen::Index i = 0; i < x.size(); ++i)
      f += 0.01 * static_cast<double>(i % 7 + 1) * x[i] * x[i] + 0.05 * std::sin(3.0 * x[i]);
    return f;
  }
  double compute_gradient(ConstVecRef, VecRef) override { valley::fail("fold_probe: no gradients"); }

 private:
  int64_t d_;
};

}  // namespace

int main(int argc, char** argv) {
  valley::distributed::Session session(argc, argv);
  try {
    std::optional<valley::testing::UnorderedCommunicator> unordered;
    std::optional<valley::distributed::ScopedWorld> scope;
    if (argc > 1 && std::strcmp(argv[1], "--unordered") == 0) {
      unordered.emplace(valley::distributed::world());
      scope.emplace(*unordered);
    }
    constexpr int64_t d = 3000;
    const auto backend = valley::make_cpu_backend(1);
    valley::ImportanceSampling is({.n_samples = 4200, .beta = 1.0, .seed = 11}, *backend);
    Bumpy f(d);
    valley::Vec x = valley::Vec::Constant(d, 0.5f), mean(d);
    for (uint64_t k = 0; k < 3; ++k) {
      is.estimate_mean(x, 0.3, f, k, mean);
      x = mean;
    }
    std::string hex;
    const auto* bytes = reinterpret_cast<const unsigned char*>(x.data());
    for (std::size_t i = 0; i < static_cast<std::size_t>(d) * sizeof(float); ++i) {
      char two[3];
      std::snprintf(two, sizeof two, "%02x", bytes[i]);
      hex += two;
    }
    std::printf("%s\n", hex.c_str());
  } catch (const std::exception& e) {
    return session.fail(std::string("fold_probe: ") + e.what());
  }
  return 0;
}
