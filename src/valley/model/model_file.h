// A trained network in a file that Python and PyTorch users can read:
// model.safetensors (model/safetensors.h), F32, with the tensors named and
// shaped as PyTorch's nn.Linear layers of an nn.Sequential-like module:
//   layers.{l-1}.weight  [n_l, n_{l-1}]  (out × in: W_lᵀ of valley's layout)
//   layers.{l-1}.bias    [n_l]
// for l = 1 … L, and string metadata (net, method, seed, updates, valley
// version, the data files' CRC-32, …). valley's flat x stores W_l as
// n_{l-1} × n_l row-major (model/net_spec.h), so weights are transposed on
// the way out and back in; biases are copied as they are.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "valley/core/types.h"
#include "valley/model/net_spec.h"

namespace valley {

inline constexpr const char* kModelFile = "model.safetensors";

struct ModelFile {
  NetSpec net;
  Vec x;  // valley's flat layout (model/net_spec.h)
  std::map<std::string, std::string> metadata;
};

// The bytes of a model file of x (net's layout), with `metadata`.
std::string encode_model_file(const NetSpec& net, ConstVecRef x,
                              const std::map<std::string, std::string>& metadata);

// Writes the file atomically (temporary name, fsync, rename).
void write_model_file(const std::filesystem::path& path, const NetSpec& net, ConstVecRef x,
                      const std::map<std::string, std::string>& metadata);

// Decodes and checks a model file: the safetensors layout, the tensor names
// (every layer's weight and bias, nothing else), shapes that chain into one
// network, a "net" metadata entry (if any) that agrees with them, and finite
// values. Errors are one line that starts with `name`.
ModelFile decode_model_file(std::string_view bytes, const std::string& name);

ModelFile read_model_file(const std::filesystem::path& path);

// A run directory (reads DIR/model.safetensors) or a model file.
ModelFile load_model(const std::filesystem::path& run_dir_or_file);

// Fails, naming `name` and `flag`, unless the file's net is `net`.
void expect_model_net(const ModelFile& model, const NetSpec& net, const std::string& name,
                      std::string_view flag);

}  // namespace valley
