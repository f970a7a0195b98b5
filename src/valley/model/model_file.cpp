#include "valley/model/model_file.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "valley/core/atomic_file.h"
#include "valley/core/error.h"
#include "valley/core/files.h"
#include "valley/data/idx.h"
#include "valley/model/safetensors.h"

namespace valley {
namespace {

std::string weight_name(int l) { return fmt::format("layers.{}.weight", l - 1); }
std::string bias_name(int l) { return fmt::format("layers.{}.bias", l - 1); }

// Beyond this a file cannot be a network valley can hold (2^31 parameters).
constexpr std::size_t kMaxModelFileBytes = kSafetensorsMaxHeaderBytes + 8 + (std::size_t{1} << 33);

// Metadata may be absent (PyTorch writes none), but the entries valley
// writes and reads back must be well formed where present.
void check_metadata(const std::map<std::string, std::string>& metadata, const std::string& name) {
  const auto whole_number = [&](const char* key) {
    const auto it = metadata.find(key);
    if (it == metadata.end()) return;
    const std::string& v = it->second;
    uint64_t n = 0;
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (v.empty() || ec != std::errc() || end != v.data() + v.size())
      fail("{}: its metadata \"{}\" is \"{}\", not a whole number ≥ 0", name, key, one_line(v.substr(0, 64)));
  };
  whole_number("updates");
  whole_number("seed");
  if (const auto it = metadata.find("config"); it != metadata.end()) {
    const nlohmann::json config = nlohmann::json::parse(it->second, nullptr, false);
    if (!config.is_object())
      fail("{}: its metadata \"config\" is not a JSON object (the settings of the run that wrote it)", name);
  }
}

}  // namespace

std::string encode_model_file(const NetSpec& net, ConstVecRef x,
                              const std::map<std::string, std::string>& metadata) {
  if (x.size() != net.n_params())
    fail("model file: {} parameters do not fit net {} ({} parameters)", x.size(), net.str(), net.n_params());
  std::vector<Tensor> tensors;
  for (int l = 1; l <= net.n_layers(); ++l) {
    const int n_in = net.widths[l - 1];
    const int n_out = net.widths[l];
    // PyTorch's weight[o][i] is valley's W_l[i][o] (row-major n_in × n_out).
    Tensor w{weight_name(l), {n_out, n_in}, std::vector<float>(static_cast<std::size_t>(n_in) * n_out)};
    const float* src = x.data() + net.weights_offset(l);
    for (int o = 0; o < n_out; ++o)
      for (int i = 0; i < n_in; ++i)
        w.values[static_cast<std::size_t>(o) * n_in + i] = src[static_cast<std::size_t>(i) * n_out + o];
    const float* b = x.data() + net.bias_offset(l);
    tensors.push_back(std::move(w));
    tensors.push_back({bias_name(l), {n_out}, std::vector<float>(b, b + n_out)});
  }
  std::map<std::string, std::string> meta = metadata;
  meta["net"] = net.str();
  return encode_safetensors(tensors, meta);
}

void write_model_file(const std::filesystem::path& path, const NetSpec& net, ConstVecRef x,
                      const std::map<std::string, std::string>& metadata) {
  write_file_atomically(path, encode_model_file(net, x, metadata));
}

ModelFile decode_model_file(std::string_view bytes, const std::string& name) {
  SafetensorsContents contents = decode_safetensors(bytes, name);
  std::map<std::string, Tensor*> by_name;
  for (Tensor& t : contents.tensors) by_name[t.name] = &t;

  // Layers l = 1, 2, … as long as either of their tensors is there.
  std::vector<int> widths;
  std::vector<const Tensor*> weights, biases;
  for (int l = 1; by_name.count(weight_name(l)) + by_name.count(bias_name(l)) > 0; ++l) {
    if (by_name.count(weight_name(l)) == 0) fail("{}: tensor {} is missing", name, weight_name(l));
    if (by_name.count(bias_name(l)) == 0) fail("{}: tensor {} is missing", name, bias_name(l));
    const Tensor& w = *by_name[weight_name(l)];
    const Tensor& b = *by_name[bias_name(l)];
    if (w.shape.size() != 2 || w.shape[0] < 1 || w.shape[1] < 1 || w.shape[0] > 1'000'000 ||
        w.shape[1] > 1'000'000)
      fail("{}: tensor {} has shape [{}], not [out, in] with widths from 1 to 1000000", name, w.name,
           fmt::join(w.shape, ", "));
    if (l == 1) widths.push_back(static_cast<int>(w.shape[1]));
    if (w.shape[1] != widths.back())
      fail("{}: tensor {} has shape [{}]: {} inputs, but the layer below has {} outputs", name, w.name,
           fmt::join(w.shape, ", "), w.shape[1], widths.back());
    widths.push_back(static_cast<int>(w.shape[0]));
    if (b.shape != std::vector<int64_t>{w.shape[0]})
      fail("{}: tensor {} has shape [{}], but {} has {} outputs", name, b.name, fmt::join(b.shape, ", "),
           w.name, w.shape[0]);
    weights.push_back(&w);
    biases.push_back(&b);
  }
  if (widths.empty()) fail("{}: holds no tensor layers.0.weight: not a valley model file", name);
  if (contents.tensors.size() != 2 * weights.size())
    for (const Tensor& t : contents.tensors)
      if (std::find(weights.begin(), weights.end(), &t) == weights.end() &&
          std::find(biases.begin(), biases.end(), &t) == biases.end())
        fail(
            "{}: unknown tensor \"{}\" (a network of {} layers has layers.0.weight … "
            "layers.{}.bias only)",
            name, one_line(t.name.substr(0, 64)), weights.size(), weights.size() - 1);

  ModelFile model;
  model.net = NetSpec::parse(fmt::format("{}", fmt::join(widths, "-")), name + ": its layers");
  model.metadata = std::move(contents.metadata);
  if (model.metadata.count("net") > 0 && model.metadata["net"] != model.net.str())
    fail("{}: its metadata says net {}, but its tensors form {}", name,
         one_line(model.metadata["net"].substr(0, 64)), model.net.str());
  check_metadata(model.metadata, name);
  const NetSpec& net = model.net;
  model.x.resize(net.n_params());
  for (int l = 1; l <= net.n_layers(); ++l) {
    const int n_in = net.widths[l - 1];
    const int n_out = net.widths[l];
    const Tensor& w = *weights[l - 1];
    const Tensor& b = *biases[l - 1];
    float* dst = model.x.data() + net.weights_offset(l);
    for (int o = 0; o < n_out; ++o)
      for (int i = 0; i < n_in; ++i) {
        const float v = w.values[static_cast<std::size_t>(o) * n_in + i];
        if (!std::isfinite(v))
          fail("{}: tensor {} holds a non-finite value ({}) at [{}, {}]", name, w.name, v, o, i);
        dst[static_cast<std::size_t>(i) * n_out + o] = v;
      }
    for (int o = 0; o < n_out; ++o) {
      if (!std::isfinite(b.values[o]))
        fail("{}: tensor {} holds a non-finite value ({}) at [{}]", name, b.name, b.values[o], o);
      model.x[net.bias_offset(l) + o] = b.values[o];
    }
  }
  return model;
}

ModelFile read_model_file(const std::filesystem::path& path) {
  const std::vector<uint8_t> bytes = read_file_bytes(path, kMaxModelFileBytes);
  return decode_model_file(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
                           path.string());
}

ModelFile load_model(const std::filesystem::path& run_dir_or_file) {
  std::error_code ec;
  if (std::filesystem::is_directory(run_dir_or_file, ec)) {
    const std::filesystem::path file = run_dir_or_file / kModelFile;
    if (!std::filesystem::exists(file, ec))
      fail(
          "{}: no {} in this directory (is it a run's --out directory, finished or "
          "checkpointed?)",
          run_dir_or_file.string(), kModelFile);
    return read_model_file(file);
  }
  // A missing file, a loop of links, a FIFO: each said as what it is.
  expect_regular_file(run_dir_or_file, "no such file or directory");
  return read_model_file(run_dir_or_file);
}

void expect_model_net(const ModelFile& model, const NetSpec& net, const std::string& name,
                      std::string_view flag) {
  if (model.net.widths != net.widths)
    fail("{}: holds a {} network, but {} is {}", name, model.net.str(), flag, net.str());
}

}  // namespace valley
