// The step learning-rate schedule of the base optimizer (methods/
// base_optimizer.h): the updates from which the rate is multiplied by the drop
// factor, given as updates (--lr-drops) or as epochs (--lr-drop-epochs).
//
// An epoch is one pass over the N training images in minibatches of B:
// M = ⌈N/B⌉ minibatches. A method that draws m minibatches per update — 1 for
// sgd and sam (SAM's two gradients share one minibatch), L for entropy-sgd,
// whose L inner steps each draw a fresh one (1 with --inner-batch same) —
// ends epoch e after ⌈e·M/m⌉ updates, and the drop of epoch e applies from
// that update on: lr_k is dropped for every update index k ≥ ⌈e·M/m⌉. So for
// sgd an epoch is exactly M updates, and for entropy-sgd epochs count
// minibatch evaluations, as its paper's "effective epochs" do (Chaudhari et
// al. 2017, §5: epochs × L).
#pragma once

#include <cstdint>
#include <vector>

namespace valley {

struct EpochLength {
  int64_t n_minibatches = 1;           // M = ⌈N/B⌉
  int64_t minibatches_per_update = 1;  // m
};

// ⌈N/B⌉ and m as above.
EpochLength epoch_length(int64_t n_train_images, int64_t batch_size, int64_t minibatches_per_update);

// ⌈e·M/m⌉: the first update index of epoch e + 1 (counting epochs from 0).
int64_t first_update_after_epoch(int64_t epoch, const EpochLength& length);

// The drops at the given epochs, as update indices.
std::vector<int64_t> lr_drops_of_epochs(const std::vector<int64_t>& epochs, const EpochLength& length);

}  // namespace valley
