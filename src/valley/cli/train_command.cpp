// valley train: one training run, its results in --out.
#include <algorithm>
#include <cstdio>
#include <memory>

#include <fmt/format.h>

#include "valley/cli/commands.h"
#include "valley/core/stop_signal.h"
#include "valley/options/train_flags.h"
#include "valley/train/trainer.h"

namespace valley::cli {
namespace {

void print_config(const TrainConfig& config, const DataSplit& data) {
  fmt::print("valley train: {} on {}, {} updates of batch {}, seed {}, {} thread(s){}\n", config.method.name,
             config.net, config.n_updates, config.batch_size, config.method.seed, config.n_threads,
             config.device == "cpu" ? "" : ", device " + config.device);
  fmt::print("  data     {} ({} training images)\n", data.train.source, data.train.n);
  fmt::print("  held-out {} ({} images, {} used for evaluation every {} updates)\n", data.test.source,
             data.test.n, std::min(config.eval_size, data.test.n), config.eval_every);
  if (config.init_from) fmt::print("  start    {}\n", config.init_from->string());
  fmt::print("  out      {}\n", config.out_dir.string());
}

void print_results(const TrainOutcome& outcome, const TrainConfig& config) {
  fmt::print("\n{:>8}  {:>13}  {:>10}  {:>12}\n", "update", "held-out acc", "train loss", "s/update");
  for (const MetricsRow& row : outcome.rows)
    fmt::print("{:>8}  {:>13.4f}  {:>10.4f}  {:>12.3g}\n", row.update, row.test_accuracy, row.train_loss,
               row.seconds);
  fmt::print("\nfull results: {}/{{config.json, metrics.csv, summary.json, model.safetensors}}\n",
             config.out_dir.string());
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto flags = std::make_shared<TrainFlags>();
  CLI::App* cmd = app.add_subcommand(
      "train",
      "Train a network with one method and write config.json, metrics.csv, summary.json and "
      "the trained network (model.safetensors) into --out.");
  add_train_flags(*cmd, *flags);
  cmd->callback([cmd, flags] {
    // The first SIGINT, SIGTERM or SIGHUP stops the run after the update
    // under way, its files whole and resumable; a second one at once.
    install_stop_handlers();
    const TrainRequest request = train_request(*cmd, *flags);
    const TrainConfig& config = request.config;
    const DataSplit data = load_training_data(config);
    if (request.checkpoint) {
      TrainingRun run(config, data, *request.checkpoint, request.checkpoint_name);
      print_config(config, data);
      fmt::print("  resuming after update {} of {}\n", request.checkpoint->n_done, config.n_updates);
      std::fflush(stdout);
      while (!run.finished()) {
        run.stop_if_signalled();
        run.run_update();
      }
      print_results(run.finish(), config);
      return;
    }
    print_config(config, data);
    std::fflush(stdout);
    print_results(run_training(config, data), config);
  });
}

}  // namespace valley::cli
