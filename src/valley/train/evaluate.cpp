#include "valley/train/evaluate.h"

#include <algorithm>

#include "valley/data/minibatch.h"

namespace valley {

Evaluator::Evaluator(const NetSpec& spec, const Dataset& data, std::vector<int64_t> indices)
    : mlp_(spec) {
  Minibatch all;
  gather_minibatch(data, indices, all);
  images_ = std::move(all.images);
  labels_ = std::move(all.labels);
}

Evaluation Evaluator::evaluate(ConstVecRef x) {
  constexpr int kChunk = 250;
  const int n = static_cast<int>(labels_.size());
  const int64_t p = mlp_.spec().n_inputs();
  double loss_sum = 0.0;
  int64_t correct = 0;
  for (int start = 0; start < n; start += kChunk) {
    const int size = std::min(kChunk, n - start);
    const auto score = mlp_.score(x.data(), images_.data() + start * p, labels_.data() + start, size);
    loss_sum += score.loss * size;
    correct += score.n_correct;
  }
  return {static_cast<double>(correct) / n, loss_sum / n};
}

}  // namespace valley
