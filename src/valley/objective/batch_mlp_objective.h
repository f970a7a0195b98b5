// f(x) for the network on one given minibatch (eq. 1), with the perturbed
// evaluations f(x + σξ) that share the first layer's product X W_1
// (model/mlp.h); a sum of M perturbed gradients needs the wide product for
// W_1 only once: Σ_m ∇_{W_1} f = Xᵀ Σ_m ∂f/∂z_1^(m).
// B = batch size, n_1 = width of the first layer.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "valley/backends/backend.h"
#include "valley/backends/device.h"
#include "valley/backends/split_choice.h"
#include "valley/data/minibatch.h"
#include "valley/model/mlp.h"
#include "valley/objective/device_batch.h"
#include "valley/objective/objective.h"

namespace valley {

class BatchMlpObjective : public Objective {
 public:
  BatchMlpObjective(const NetSpec& spec, const Backend& backend);

  int64_t dim() const override { return spec_.n_params(); }
  int n_workers() const override { return static_cast<int>(workers_.size()); }
  // The row-space reduction for the current minibatch (objective/row_space.h).
  std::unique_ptr<Reduction> make_reduction() override;

  // Whether ∇f splits layer 1 over threads for this network and batch size
  // (a decision of shapes only, so results do not depend on threads).
  static bool splits_first_layer(const NetSpec& spec, int batch_size) {
    return spec.n_layers() >= 2 &&
           int64_t{batch_size} * spec.n_inputs() * spec.widths[1] >= kMinSplitProducts;
  }

  // Whether ∇f runs layer 1's pieces on several threads or in turn on one:
  // timed on the first calls by default (backends/split_choice.h); the
  // numbers are the same either way.
  void set_split_policy(SplitChoice::Policy policy) { split_choice_.set_policy(policy); }

  // The minibatch every evaluation uses.
  Minibatch& batch() { return batch_; }
  const Minibatch& batch() const { return batch_; }
  const NetSpec& spec() const { return spec_; }

 protected:
  double compute_loss(ConstVecRef x) override;
  double compute_gradient(ConstVecRef x, VecRef grad) override;
  void prepare_centre() override;
  double compute_perturbed_loss(ConstVecRef xi, int worker) override;
  void compute_perturbed_gradient_sum(int64_t n_draws, const DrawFn& draw, VecRef grad_sum) override;

  const Backend& backend_;

 private:
  // ∇f splits layer 1 by its units into this many pieces (one per core of
  // the machines valley targets) when its product X W_1 has at least
  // kMinSplitProducts multiply-adds (784-200-10 at B = 20: 3.1 M; the
  // projected samplers' reduced 20-200-10: 80 k, below what a hand-over
  // to another thread costs). The decision depends on shapes only; whether
  // the pieces then run on several threads is split_choice_'s.
  static constexpr int kUnitPieces = 2;
  static constexpr int64_t kMinSplitProducts = int64_t{1} << 19;

  NetSpec spec_;
  Minibatch batch_;
  std::vector<std::unique_ptr<Mlp<float>>> workers_;  // one network workspace per thread
  std::vector<float> centre_z1_;                      // X W_1 + 1 b_1ᵀ at the centre (B × n_1)
  std::vector<Vec> xi_;                               // per worker: the current draw ξ
  std::vector<float> dz1_parts_;                      // per draw: ∂f/∂z_1 (B × n_1)
  Samples rest_parts_;                                // per draw: ∇ of layers ≥ 2 (column m)
  std::vector<float> dz1_sum_;                        // Σ_m ∂f/∂z_1^(m)
  std::vector<float> z1_, dz1_;                       // ∇f: layer 1's z and ∂f/∂z (B × n_1)
  SplitChoice split_choice_;                          // ∇f: layer 1's pieces on several threads?
};

}  // namespace valley
