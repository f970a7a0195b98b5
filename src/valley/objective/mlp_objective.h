// f(x) for the network on the current minibatch of the training set (eq. 1).
// The trainer selects the outer update's minibatch; with InnerBatch::fresh,
// every inner step j of a method gets a new one (Entropy-SGD's habit),
// otherwise all inner steps of an update share it (the paper's reading,
// valley's default) — and then the update has an exact row-space reduction
// (objective/row_space.h).
#pragma once

#include <vector>

#include "valley/data/dataset.h"
#include "valley/objective/batch_mlp_objective.h"

namespace valley {

enum class InnerBatch { same, fresh };

class MlpObjective final : public BatchMlpObjective {
 public:
  MlpObjective(const NetSpec& spec, const Dataset& train, MinibatchSampler& sampler, InnerBatch inner_batch,
               const Backend& backend);

  // Uses the minibatch of outer update k.
  void select_outer_batch(uint64_t k);
  void select_inner_batch(uint64_t j) override;
  bool fresh_inner_batches() const override { return inner_batch_ == InnerBatch::fresh; }
  std::unique_ptr<Reduction> make_reduction() override;

 private:
  const Dataset& train_;
  MinibatchSampler& sampler_;
  InnerBatch inner_batch_;
  uint64_t k_ = 0;
  std::vector<int64_t> indices_;
};

}  // namespace valley
