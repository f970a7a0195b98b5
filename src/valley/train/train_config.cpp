#include "valley/train/train_config.h"

#include "valley/core/error.h"
#include "valley/model/net_spec.h"

namespace valley {

void validate(const TrainConfig& config) {
  NetSpec::parse(config.net, "--net");
  if (config.n_updates < 0) fail("--updates must be ≥ 0 (got {})", config.n_updates);
  if (config.batch_size < 1) fail("--batch must be ≥ 1 (got {})", config.batch_size);
  if (config.batch_size > 100000) fail("--batch must be ≤ 100000 (got {})", config.batch_size);
  if (config.eval_every < 1) fail("--eval-every must be ≥ 1 (got {})", config.eval_every);
  if (config.eval_size < 1) fail("--eval-size must be ≥ 1 (got {})", config.eval_size);
  if (config.n_threads < 1 || config.n_threads > 256)
    fail("--threads must be between 1 and 256 (got {})", config.n_threads);
  if (config.inner_batch != "same" && config.inner_batch != "fresh")
    fail("--inner-batch must be 'same' or 'fresh' (got '{}')", config.inner_batch);
  if (config.out_dir.empty()) fail("--out DIR is required: where the results of the run go");
  validate(config.method);
}

nlohmann::json to_json(const TrainConfig& config) {
  return {{"net", config.net},
          {"updates", config.n_updates},
          {"batch", config.batch_size},
          {"eval_every", config.eval_every},
          {"eval_size", config.eval_size},
          {"threads", config.n_threads},
          {"inner_batch", config.inner_batch},
          {"seed", config.method.seed},
          {"method", config.method.name},
          {"data", config.data_dir ? config.data_dir->string() : ""},
          {"test_data", config.test_data_dir ? config.test_data_dir->string() : ""},
          {"out", config.out_dir.string()}};
}

}  // namespace valley
