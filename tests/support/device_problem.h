// One update's problem for the device tests: the network's loss on a
// minibatch of B synthetic images (uniform pixels, labels b mod 10) at
// Glorot-uniform parameters x, with the CPU backend.
#pragma once

#include <memory>
#include <string>

#include "valley/backends/backend.h"
#include "valley/backends/device.h"
#include "valley/model/init.h"
#include "valley/objective/batch_mlp_objective.h"
#include "valley/random/philox_normal.h"

namespace valley::testing {

struct DeviceProblem {
  std::unique_ptr<Backend> backend;
  BatchMlpObjective f;
  Vec x;

  explicit DeviceProblem(const std::string& net, int batch_size = 20, uint64_t seed = 2)
      : backend(make_cpu_backend(1)), f(NetSpec::parse(net), *backend) {
    Minibatch& batch = f.batch();
    batch.batch_size = batch_size;
    batch.pixels = f.spec().n_inputs();
    batch.images.resize(static_cast<std::size_t>(batch_size) * static_cast<std::size_t>(batch.pixels));
    fill_uniform(NoiseKey{seed, Stream::test, 0, 0}, 0, batch.images);
    for (int b = 0; b < batch_size; ++b) batch.labels.push_back(static_cast<uint8_t>(b % 10));
    x = glorot_uniform(f.spec(), seed);
  }

  MlpBatch device_batch() { return device_batch_of(f, "test"); }
};

// ‖a − b‖ / ‖b‖
inline double relative_difference(const Vec& a, const Vec& b) {
  return static_cast<double>((a - b).norm()) / static_cast<double>(b.norm());
}

}  // namespace valley::testing
