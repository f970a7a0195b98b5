#include "valley/data/digits_json.h"

#include <cmath>
#include <string>

#include <nlohmann/json.hpp>

#include "valley/core/error.h"
#include "valley/data/idx.h"
#include "valley/data/minibatch.h"
#include "valley/random/philox_normal.h"

namespace valley {

Dataset read_digit_json(const std::filesystem::path& path, int digit) {
  return parse_digit_json(read_file_bytes(path, std::size_t{1} << 30), path.string(), digit);
}

Dataset parse_digit_json(std::span<const uint8_t> bytes, const std::string& name, int digit) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(bytes.begin(), bytes.end());
  } catch (const nlohmann::json::exception& e) {
    fail("{}: not valid JSON ({})", name, e.what());
  }
  if (!doc.is_object())
    fail("{}: expected a JSON object with a \"data\" key, found {}", name, doc.type_name());
  if (!doc.contains("data")) fail("{}: missing the \"data\" key", name);
  const nlohmann::json& values = doc["data"];
  if (!values.is_array()) fail("{}: \"data\" is not an array", name);
  constexpr int kSide = 28;
  constexpr std::size_t kPixels = kSide * kSide;
  if (values.empty()) fail("{}: \"data\" is empty", name);
  if (values.size() % kPixels != 0)
    fail("{}: \"data\" holds {} numbers, not a multiple of {} (28x28 images)", name, values.size(), kPixels);
  Dataset data;
  data.n = static_cast<int64_t>(values.size() / kPixels);
  data.rows = kSide;
  data.cols = kSide;
  data.source = name;
  data.images.resize(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!values[i].is_number()) fail("{}: \"data\"[{}] is not a number", name, i);
    const double v = values[i].get<double>();
    if (!(v >= 0.0 && v <= 1.0)) fail("{}: \"data\"[{}] = {} is outside [0, 1]", name, i, v);
    // Round to the original byte so that the data equal the official MNIST.
    data.images[i] = static_cast<float>(std::lround(v * 255.0)) / 255.0f;
  }
  data.labels.assign(static_cast<std::size_t>(data.n), static_cast<uint8_t>(digit));
  return data;
}

Dataset read_digits_dir(const std::filesystem::path& dir) {
  if (!std::filesystem::is_directory(dir)) fail("{}: digits directory not found", dir.string());
  Dataset all;
  all.rows = 28;
  all.cols = 28;
  all.source = dir.string();
  for (int digit = 0; digit < 10; ++digit) {
    const Dataset part = read_digit_json(dir / (std::to_string(digit) + ".json"), digit);
    all.images.insert(all.images.end(), part.images.begin(), part.images.end());
    all.labels.insert(all.labels.end(), part.labels.begin(), part.labels.end());
    all.n += part.n;
  }
  return all;
}

DataSplit split_held_out(const Dataset& all, int64_t n_held_out, uint64_t seed) {
  if (n_held_out <= 0 || n_held_out >= all.n) fail("cannot hold out {} of {} images", n_held_out, all.n);
  std::vector<bool> held(static_cast<std::size_t>(all.n), false);
  for (int64_t i :
       sample_without_replacement(all.n, n_held_out, seed, static_cast<uint32_t>(Stream::eval_subset)))
    held[static_cast<std::size_t>(i)] = true;

  DataSplit split;
  for (Dataset* part : {&split.train, &split.test}) {
    part->rows = all.rows;
    part->cols = all.cols;
    part->source = all.source;
  }
  const int64_t p = all.pixels();
  for (int64_t i = 0; i < all.n; ++i) {
    Dataset& part = held[static_cast<std::size_t>(i)] ? split.test : split.train;
    part.images.insert(part.images.end(), all.image(i), all.image(i) + p);
    part.labels.push_back(all.labels[static_cast<std::size_t>(i)]);
    ++part.n;
  }
  return split;
}

}  // namespace valley
