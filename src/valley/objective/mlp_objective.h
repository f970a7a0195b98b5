// f(x) for the network on the current minibatch (eq. 1). The trainer selects
// the outer update's minibatch; with InnerBatch::fresh, every inner step j of
// a method gets a new one (Entropy-SGD's habit), otherwise all inner steps of
// an update share it (the paper's reading, valley's default).
//
// Perturbed evaluations f(x + σξ) share the first layer's product X W_1
// (model/mlp.h), and a sum of M perturbed gradients needs the 784-wide
// product for W_1 only once: Σ_m ∇_{W_1} f = Xᵀ Σ_m ∂f/∂z_1^(m).
// B = batch size, n_1 = width of the first layer.
#pragma once

#include <memory>
#include <vector>

#include "valley/backends/backend.h"
#include "valley/data/dataset.h"
#include "valley/data/minibatch.h"
#include "valley/model/mlp.h"
#include "valley/objective/objective.h"

namespace valley {

enum class InnerBatch { same, fresh };

class MlpObjective : public Objective {
 public:
  MlpObjective(const NetSpec& spec, const Dataset& train, MinibatchSampler& sampler,
               InnerBatch inner_batch, const Backend& backend);

  int64_t dim() const override { return spec_.n_params(); }
  int n_workers() const override { return static_cast<int>(workers_.size()); }

  // Uses the minibatch of outer update k.
  void select_outer_batch(uint64_t k);
  void select_inner_batch(uint64_t j) override;
  bool fresh_inner_batches() const override { return inner_batch_ == InnerBatch::fresh; }

  const Minibatch& batch() const { return batch_; }
  const NetSpec& spec() const { return spec_; }

 protected:
  double compute_loss(ConstVecRef x) override;
  double compute_gradient(ConstVecRef x, VecRef grad) override;
  void prepare_centre() override;
  double compute_perturbed_loss(ConstVecRef xi, int worker) override;
  void compute_perturbed_gradient_sum(int64_t n_draws, const DrawFn& draw, VecRef grad_sum) override;

 private:
  NetSpec spec_;
  const Dataset& train_;
  MinibatchSampler& sampler_;
  InnerBatch inner_batch_;
  const Backend& backend_;
  uint64_t k_ = 0;
  Minibatch batch_;
  std::vector<int64_t> indices_;
  std::vector<std::unique_ptr<Mlp<float>>> workers_;  // one network workspace per thread
  std::vector<float> centre_z1_;                      // X W_1 + 1 b_1ᵀ at the centre (B × n_1)
  std::vector<Vec> xi_;                               // per worker: the current draw ξ
  std::vector<float> dz1_parts_;                      // per draw: ∂f/∂z_1 (B × n_1)
  Samples rest_parts_;                                // per draw: ∇ of layers ≥ 2 (column m)
  std::vector<float> dz1_sum_;                        // Σ_m ∂f/∂z_1^(m)
};

}  // namespace valley
