// A trained network as the flatness measures read it: the net, valley's flat
// parameter vector x (model/net_spec.h) and string metadata (net, method,
// seed, data).
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "valley/core/types.h"
#include "valley/model/net_spec.h"

namespace valley {

struct ModelFile {
  NetSpec net;
  Vec x;  // valley's flat layout (model/net_spec.h)
  std::map<std::string, std::string> metadata;
};

// A run directory: the parameters of its last checkpoint (DIR/checkpoint.bin,
// written by `valley train --checkpoint-every N`) with the run's settings as
// metadata. Errors are one line naming the directory.
ModelFile load_model(const std::filesystem::path& run_dir_or_file);

}  // namespace valley
