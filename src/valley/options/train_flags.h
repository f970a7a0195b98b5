// The flags of `valley train` and the run they ask for. The command and the
// Python module's valley.train both register them with add_train_flags and
// read them with train_request, so that a setting has one name, one default
// and one check, and a bad value the same one-line message, in both.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "valley/train/checkpoint.h"
#include "valley/train/train_config.h"

namespace valley::cli {

// Where the flags are read into.
struct TrainFlags {
  TrainConfig config;
  std::string data_dir, test_data_dir, out_dir, resume_dir, init_from;
};

void add_train_flags(CLI::App& cmd, TrainFlags& flags);

// The run that parsed flags ask for, its settings validated: a new run, or
// with --resume DIR the run saved in DIR's checkpoint, with the flags given on
// this command line laid over its settings (the trainer then refuses those
// that would change a number: only --threads, --checkpoint-every, --data and
// --test-data may differ).
struct TrainRequest {
  TrainConfig config;
  std::optional<Checkpoint> checkpoint;  // set with --resume
  std::string checkpoint_name;           // the checkpoint's path, for errors
};

// `read` reads the checkpoint; the Python module passes one that tells a
// file that cannot be read (valley.Error) from a bad argument (ArgumentError).
TrainRequest train_request(
    const CLI::App& cmd, const TrainFlags& flags,
    const std::function<Checkpoint(const std::filesystem::path&)>& read = read_checkpoint);

}  // namespace valley::cli
