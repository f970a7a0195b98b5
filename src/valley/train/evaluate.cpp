#include "valley/train/evaluate.h"

#include <algorithm>
#include <atomic>
#include <limits>
#include <thread>

#include "valley/core/error.h"
#include "valley/data/minibatch.h"
#include "valley/model/net_fit.h"

namespace valley {

Evaluator::Evaluator(const NetSpec& spec, const Dataset& data, std::vector<int64_t> indices) : mlp_(spec) {
  if (spec.n_inputs() != data.pixels())
    fail("the net {} takes {} inputs, but the images of {} have {} pixels", spec.str(), spec.n_inputs(),
         data.source, data.pixels());
  check_labels_are_outputs(spec, data.labels.data(), data.n, data.source);
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

ClassificationReport classify(const NetSpec& spec, ConstVecRef x, const Dataset& data, int64_t n_images,
                              int n_threads) {
  constexpr int64_t kChunk = 250;
  const int64_t n = std::min(n_images, data.n);
  if (spec.n_inputs() != data.pixels())
    fail("the net {} takes {} inputs, but the images of {} have {} pixels", spec.str(), spec.n_inputs(),
         data.source, data.pixels());
  check_labels_are_outputs(spec, data.labels.data(), n, data.source);
  const int n_classes = spec.n_outputs();
  const int64_t n_chunks = (n + kChunk - 1) / kChunk;
  std::vector<double> chunk_loss(static_cast<std::size_t>(n_chunks), 0.0);
  std::vector<int> predicted(static_cast<std::size_t>(n), 0);
  std::atomic<int64_t> next{0};
  const auto work = [&] {
    Mlp<float> mlp(spec);
    for (int64_t c = next++; c < n_chunks; c = next++) {
      const int64_t start = c * kChunk;
      const int size = static_cast<int>(std::min(kChunk, n - start));
      const auto score =
          mlp.score(x.data(), data.image(start), data.labels.data() + start, size, predicted.data() + start);
      chunk_loss[static_cast<std::size_t>(c)] = score.loss * size;
    }
  };
  std::vector<std::thread> workers;
  for (int t = 1; t < std::min<int64_t>(n_threads, n_chunks); ++t) workers.emplace_back(work);
  work();
  for (std::thread& w : workers) w.join();

  ClassificationReport report;
  report.n_images = n;
  report.confusion.assign(n_classes, std::vector<int64_t>(n_classes, 0));
  report.class_images.assign(n_classes, 0);
  double loss_sum = 0.0;
  for (double l : chunk_loss) loss_sum += l;
  int64_t correct = 0;
  for (int64_t i = 0; i < n; ++i) {
    const int label = data.labels[i];
    ++report.confusion[label][predicted[i]];
    ++report.class_images[label];
    if (predicted[i] == label) ++correct;
  }
  report.accuracy = n > 0 ? static_cast<double>(correct) / n : 0.0;
  report.loss = n > 0 ? loss_sum / n : 0.0;
  for (int k = 0; k < n_classes; ++k)
    report.class_accuracy.push_back(report.class_images[k] > 0
                                        ? static_cast<double>(report.confusion[k][k]) / report.class_images[k]
                                        : std::numeric_limits<double>::quiet_NaN());
  return report;
}

}  // namespace valley
