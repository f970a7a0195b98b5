// A dense network written as layer widths, e.g. "784-200-10": 784 inputs, a
// hidden layer of 200 ReLU units, 10 outputs. Layer l has weights W_l
// (n_{l-1} × n_l) and biases b_l (n_l); the flat parameter vector x stores
// W_1, b_1, W_2, b_2, … in that order, each W row-major.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace valley {

struct NetSpec {
  std::vector<int> widths;  // n_0 (inputs), n_1, …, n_L (outputs)

  // Parses "784-200-10"; errors name `flag`.
  static NetSpec parse(std::string_view text, std::string_view flag = "--net");

  int n_layers() const { return static_cast<int>(widths.size()) - 1; }
  int n_inputs() const { return widths.front(); }
  int n_outputs() const { return widths.back(); }
  int64_t n_params() const;
  int64_t weights_offset(int layer) const;  // where W_layer starts in x (layer ≥ 1)
  int64_t bias_offset(int layer) const;     // where b_layer starts in x
  std::string str() const;
};

}  // namespace valley
