#include "valley/objective/mlp_objective.h"

#include "valley/core/error.h"
#include "valley/model/net_fit.h"
#include "valley/objective/reduction.h"

namespace valley {

MlpObjective::MlpObjective(const NetSpec& spec, const Dataset& train, MinibatchSampler& sampler,
                           InnerBatch inner_batch, const Backend& backend)
    : BatchMlpObjective(spec, backend), train_(train), sampler_(sampler), inner_batch_(inner_batch) {
  if (spec.n_inputs() != train.pixels())
    fail("--net: input width {} does not match the data's {}x{} = {} pixels", spec.n_inputs(), train.rows,
         train.cols, train.pixels());
  check_labels_are_outputs(spec, train.labels.data(), train.n, train.source);
  indices_.resize(static_cast<std::size_t>(sampler.batch_size()));
}

void MlpObjective::select_outer_batch(uint64_t k) {
  k_ = k;
  sampler_.outer_indices(k, indices_);
  gather_minibatch(train_, indices_, batch());
}

void MlpObjective::select_inner_batch(uint64_t j) {
  if (inner_batch_ != InnerBatch::fresh) return;
  sampler_.inner_indices(k_, j, indices_);
  gather_minibatch(train_, indices_, batch());
  // Perturbed evaluations around the centre now see the new minibatch.
  if (centre().size() == dim()) prepare_centre();
}

std::unique_ptr<Reduction> MlpObjective::make_reduction() {
  // With a fresh minibatch per inner step the loss does not see W_1 through
  // one X only: no exact reduction.
  if (inner_batch_ == InnerBatch::fresh) return nullptr;
  return BatchMlpObjective::make_reduction();
}

}  // namespace valley
