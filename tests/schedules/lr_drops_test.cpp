// The step schedule's drops given in epochs (schedules/lr_drops.h), and the
// trainer's conversion of --lr-drop-epochs for each method.
#include "valley/schedules/lr_drops.h"

#include <gtest/gtest.h>

#include "valley/core/error.h"
#include "valley/train/train_config.h"

namespace valley {
namespace {

TEST(LrDrops, AnEpochIsCeilOfImagesOverBatchMinibatches) {
  EXPECT_EQ(epoch_length(60000, 20, 1).n_minibatches, 3000);
  EXPECT_EQ(epoch_length(201, 20, 1).n_minibatches, 11);  // the last minibatch of a pass counts whole
  EXPECT_EQ(first_update_after_epoch(1, epoch_length(60000, 20, 1)), 3000);
  EXPECT_EQ(first_update_after_epoch(3, epoch_length(60000, 20, 1)), 9000);
}

TEST(LrDrops, MethodsDrawingSeveralMinibatchesPerUpdateCountEpochsInMinibatches) {
  // M = 11 minibatches, m = 3 per update: epoch 1 ends after ⌈11/3⌉ = 4
  // updates, epoch 2 after ⌈22/3⌉ = 8, epoch 3 after 11.
  EXPECT_EQ(lr_drops_of_epochs({1, 2, 3}, epoch_length(201, 20, 3)), (std::vector<int64_t>{4, 8, 11}));
  EXPECT_THROW(epoch_length(0, 20, 1), Error);
  EXPECT_THROW(epoch_length(10, 20, 0), Error);
}

TrainConfig config_with_epochs(const std::string& method, const std::string& inner_batch) {
  TrainConfig config;
  config.batch_size = 20;
  config.inner_batch = inner_batch;
  config.method.name = method;
  config.method.entropy_sgd.n_langevin = 3;
  config.method.base.lr_drop_epochs = {1, 2};
  return config;
}

TEST(LrDrops, TheTrainerConvertsEpochsPerMethod) {
  const auto drops = [](const std::string& method, const std::string& inner_batch) {
    const MethodConfig m = method_for_data(config_with_epochs(method, inner_batch), 201);
    EXPECT_TRUE(m.base.lr_drop_epochs.empty());
    return m.base.lr_drops;
  };
  EXPECT_EQ(drops("sgd", "same"), (std::vector<int64_t>{11, 22}));
  EXPECT_EQ(drops("sam", "same"), (std::vector<int64_t>{11, 22}));         // two gradients, one minibatch
  EXPECT_EQ(drops("entropy-sgd", "fresh"), (std::vector<int64_t>{4, 8}));  // L = 3 minibatches
  EXPECT_EQ(drops("entropy-sgd", "same"), (std::vector<int64_t>{11, 22}));
  EXPECT_THROW(method_for_data(config_with_epochs("sgd", "auto"), 201), Error);
}

}  // namespace
}  // namespace valley
