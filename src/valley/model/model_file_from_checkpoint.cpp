#include <system_error>

#include "valley/core/error.h"
#include "valley/model/model_file.h"
#include "valley/train/checkpoint.h"

namespace valley {

ModelFile load_model(const std::filesystem::path& run_dir_or_file) {
  std::error_code ec;
  const bool is_dir = std::filesystem::is_directory(run_dir_or_file, ec);
  const std::filesystem::path file = is_dir ? run_dir_or_file / kCheckpointFile : run_dir_or_file;
  if (!std::filesystem::exists(file, ec))
    fail("{}: no {} (train the run with --checkpoint-every N to keep its parameters)",
         run_dir_or_file.string(), kCheckpointFile);
  const Checkpoint checkpoint = read_checkpoint(file);
  ModelFile model;
  if (!checkpoint.config.contains("net") || !checkpoint.config["net"].is_string())
    fail("{}: the checkpoint's settings name no net", file.string());
  model.net = NetSpec::parse(checkpoint.config["net"].get<std::string>(), file.string());
  if (checkpoint.x.size() != model.net.n_params())
    fail("{}: holds {} parameters, but its net {} has {}", file.string(), checkpoint.x.size(),
         model.net.str(), model.net.n_params());
  if (!checkpoint.x.allFinite()) fail("{}: its parameters are not all finite", file.string());
  model.x = checkpoint.x;
  for (const auto& [key, value] : checkpoint.config.items())
    model.metadata[key] = value.is_string() ? value.get<std::string>() : value.dump();
  model.metadata["updates"] = std::to_string(checkpoint.n_done);
  return model;
}

}  // namespace valley
