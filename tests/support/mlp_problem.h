// A small network, its parameters, a batch of images and labels, all in
// double, for the derivative checks of the MLP (mlp_gradient_test,
// hessian_vector_product_test).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "valley/model/net_spec.h"

namespace valley::testing {

struct MlpProblem {
  NetSpec spec;
  std::vector<double> x;
  std::vector<double> images;
  std::vector<uint8_t> labels;
  int batch_size;
};

// Glorot-uniform weights from `seed` with non-zero biases (0.05 sin(3c + l),
// so that the bias derivatives are exercised away from 0), uniform images
// and labels (3b + 1) mod n_outputs.
MlpProblem make_mlp_problem(const std::string& net, int batch_size, uint64_t seed);

}  // namespace valley::testing
