// The data a trained network belongs to. A run records its settings in
// config.json (and a copy in its model file's metadata "config"): the data
// directories as given, and each file's absolute path, size and CRC-32
// ("data_identity"). `valley eval` and `valley flatness` find that data
// wherever the command is run from, and check it is the same files before
// they report a number on it; `--resume` checks the same identity.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "valley/data/dataset.h"
#include "valley/model/model_file.h"

namespace valley {

// Fails unless each file of `identity` (DataSplit::identity) has the size
// and CRC-32 that `recorded` (a run's "data_identity") gives for its role:
// "NAME: PATH is not the file the run started with (… bytes, CRC-32 …; the
// run used …)", followed by `hint`.
void check_same_data(const nlohmann::json& recorded, const nlohmann::json& identity, const std::string& name,
                     const std::string& hint = "");

// The settings of the run a model comes from: the run directory's
// config.json when `model` is a directory holding one, else the "config"
// metadata of its model file; null for a model that carries none (a file
// written elsewhere). `from` says which.
struct RecordedRun {
  nlohmann::json config;  // an object, or null
  std::string from;       // ".../config.json", "the metadata of ...", or empty
};
RecordedRun recorded_run(const std::string& model, const ModelFile& file);

// Which data to evaluate a model on, and the data loaded:
//  - `data_dir` given: that directory; when the run recorded its data, the
//    files must be the same (size and CRC-32) unless `other_data`.
//  - else the run's recorded data: first where its files were (the
//    absolute paths of "data_identity"), then its "data" and "test_data"
//    settings, checked against the recorded sizes and CRC-32s;
//  - else (nothing recorded) the default data set.
// `origin` says which, for the user ("the run's data, from …/config.json",
// "--data", "the default data set (… records no data)").
struct ChosenData {
  DataSplit data;
  std::filesystem::path dir;
  std::string origin;
};
// `who` starts the messages about the run's own data ("--model runs/a").
ChosenData choose_model_data(const std::string& model, const ModelFile& file,
                             const std::optional<std::filesystem::path>& data_dir, bool other_data,
                             const std::string& who);

}  // namespace valley
