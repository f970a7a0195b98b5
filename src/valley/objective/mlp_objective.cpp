#include "valley/objective/mlp_objective.h"

#include "valley/core/error.h"

namespace valley {

MlpObjective::MlpObjective(const NetSpec& spec, const Dataset& train, MinibatchSampler& sampler,
                           InnerBatch inner_batch, const Backend& backend)
    : spec_(spec), train_(train), sampler_(sampler), inner_batch_(inner_batch), backend_(backend) {
  if (spec.n_inputs() != train.pixels())
    fail("--net: input width {} does not match the data's {}x{} = {} pixels", spec.n_inputs(),
         train.rows, train.cols, train.pixels());
  indices_.resize(static_cast<std::size_t>(sampler.batch_size()));
  for (int t = 0; t < backend.n_threads(); ++t) workers_.push_back(std::make_unique<Mlp<float>>(spec));
}

void MlpObjective::select_outer_batch(uint64_t k) {
  k_ = k;
  sampler_.outer_indices(k, indices_);
  gather_minibatch(train_, indices_, batch_);
}

void MlpObjective::select_inner_batch(uint64_t j) {
  if (inner_batch_ != InnerBatch::fresh) return;
  sampler_.inner_indices(k_, j, indices_);
  gather_minibatch(train_, indices_, batch_);
}

double MlpObjective::compute_loss(ConstVecRef x) {
  return workers_[0]->loss(x.data(), batch_.images.data(), batch_.labels.data(), batch_.batch_size);
}

double MlpObjective::compute_gradient(ConstVecRef x, VecRef grad) {
  return workers_[0]->loss_and_gradient(x.data(), batch_.images.data(), batch_.labels.data(),
                                        batch_.batch_size, grad.data());
}

void MlpObjective::compute_losses(ConstSamplesRef xs, std::span<double> out) {
  // Each sample's loss is independent of the others, so the split over
  // threads cannot change any result.
  backend_.parallel_for(xs.cols(), [&](int thread, int64_t begin, int64_t end) {
    Mlp<float>& mlp = *workers_[static_cast<std::size_t>(thread)];
    for (int64_t s = begin; s < end; ++s)
      out[static_cast<std::size_t>(s)] = mlp.loss(xs.col(s).data(), batch_.images.data(),
                                                   batch_.labels.data(), batch_.batch_size);
  });
}

}  // namespace valley
