#include "valley/schedules/lr_drops.h"

#include "valley/core/error.h"

namespace valley {

EpochLength epoch_length(int64_t n_train_images, int64_t batch_size, int64_t minibatches_per_update) {
  if (n_train_images < 1 || batch_size < 1 || minibatches_per_update < 1)
    fail("an epoch needs ≥ 1 training image, a batch ≥ 1 and ≥ 1 minibatch per update (got {}, {}, {})",
         n_train_images, batch_size, minibatches_per_update);
  return {(n_train_images + batch_size - 1) / batch_size, minibatches_per_update};
}

int64_t first_update_after_epoch(int64_t epoch, const EpochLength& length) {
  // e ≤ 10^6 (validate) and M ≤ 2^31 images: e·M stays far inside int64.
  const int64_t minibatches = epoch * length.n_minibatches;
  return (minibatches + length.minibatches_per_update - 1) / length.minibatches_per_update;
}

std::vector<int64_t> lr_drops_of_epochs(const std::vector<int64_t>& epochs, const EpochLength& length) {
  std::vector<int64_t> updates;
  updates.reserve(epochs.size());
  for (const int64_t e : epochs) updates.push_back(first_update_after_epoch(e, length));
  return updates;
}

}  // namespace valley
