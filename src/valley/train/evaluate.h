// Held-out accuracy and loss of parameters x on a fixed subset of images.
#pragma once

#include <cstdint>
#include <vector>

#include "valley/core/types.h"
#include "valley/data/dataset.h"
#include "valley/model/mlp.h"

namespace valley {

struct Evaluation {
  double accuracy = 0.0;
  double loss = 0.0;  // mean cross-entropy
};

class Evaluator {
 public:
  // Evaluates on data[indices].
  Evaluator(const NetSpec& spec, const Dataset& data, std::vector<int64_t> indices);

  Evaluation evaluate(ConstVecRef x);

 private:
  Mlp<float> mlp_;
  std::vector<float> images_;
  std::vector<uint8_t> labels_;
};

}  // namespace valley
