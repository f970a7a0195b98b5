// Held-out accuracy and loss of parameters x on a fixed subset of images, and
// the full classification report of `valley eval`.
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

// Accuracy, mean cross-entropy, per-class accuracy and the confusion matrix
// of x on the first n_images of `data`, in file order. The images are split
// into fixed chunks whose sums are added in order, so the numbers do not
// depend on n_threads.
struct ClassificationReport {
  int64_t n_images = 0;
  double accuracy = 0.0;
  double loss = 0.0;                            // mean cross-entropy
  std::vector<std::vector<int64_t>> confusion;  // [true class][predicted class]
  std::vector<int64_t> class_images;            // images per true class
  std::vector<double> class_accuracy;           // NaN for a class without images
};

ClassificationReport classify(const NetSpec& spec, ConstVecRef x, const Dataset& data, int64_t n_images,
                              int n_threads);

}  // namespace valley
