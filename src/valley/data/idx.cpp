#include "valley/data/idx.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <string>

#include <zlib.h>

#include "valley/core/atomic_file.h"
#include "valley/core/error.h"
#include "valley/core/files.h"

namespace valley {
namespace {

// zlib's message for the last error of `file`, without the file name that
// gzerror puts in front of it.
std::string gzip_problem(gzFile file, const std::string& name) {
  int code = Z_OK;
  std::string why = gzerror(file, &code);
  if (code == Z_ERRNO) return std::strerror(errno);
  if (why.rfind(name + ": ", 0) == 0) why.erase(0, name.size() + 2);
  return "corrupt gzip data: " + why;
}

uint32_t read_be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

void append_be32(std::string& out, uint32_t v) {
  out.push_back(static_cast<char>(v >> 24));
  out.push_back(static_cast<char>(v >> 16));
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v));
}

// Checks the header of an IDX file with `n_dims` dimensions and returns them.
std::vector<uint32_t> parse_header(std::span<const uint8_t> bytes, const std::string& name, uint32_t magic,
                                   int n_dims) {
  const std::size_t header = 4 + 4 * static_cast<std::size_t>(n_dims);
  if (bytes.empty()) fail("{}: file is empty", name);
  if (bytes.size() < header)
    fail("{}: file is {} bytes, shorter than an IDX header ({} bytes)", name, bytes.size(), header);
  const uint32_t got = read_be32(bytes.data());
  if (got != magic)
    fail("{}: wrong magic number {} (expected {} for IDX {})", name, got, magic,
         magic == kIdxImagesMagic ? "images" : "labels");
  std::vector<uint32_t> dims(static_cast<std::size_t>(n_dims));
  uint64_t payload = 1;
  for (int i = 0; i < n_dims; ++i) {
    dims[static_cast<std::size_t>(i)] = read_be32(bytes.data() + 4 + 4 * i);
    payload *= dims[static_cast<std::size_t>(i)];  // at most 2^96 in theory, but checked below
    if (payload > (uint64_t{1} << 40)) fail("{}: header declares an impossible size", name);
  }
  const uint64_t actual = bytes.size() - header;
  if (payload > actual)
    fail("{}: header declares {} data bytes but the file holds only {} (truncated?)", name, payload, actual);
  if (payload < actual)
    fail("{}: header declares {} data bytes but the file holds {} (trailing bytes)", name, payload, actual);
  return dims;
}

}  // namespace

std::vector<uint8_t> read_file_bytes(const std::filesystem::path& path, std::size_t max_bytes) {
  const std::string name = path.string();
  expect_regular_file(path);
  gzFile file = gzopen(name.c_str(), "rb");
  if (file == nullptr) fail("{}: cannot open: {}", name, std::strerror(errno));
  std::vector<uint8_t> bytes;
  constexpr unsigned kChunk = 1u << 20;
  while (true) {
    const std::size_t old = bytes.size();
    if (old >= max_bytes) {
      gzclose(file);
      fail("{}: larger than {} bytes, refusing to read it", name, max_bytes);
    }
    bytes.resize(old + kChunk);
    const int got = gzread(file, bytes.data() + old, kChunk);
    if (got < 0) {
      const std::string why = gzip_problem(file, name);
      gzclose(file);
      fail("{}: cannot read: {}", name, why);
    }
    bytes.resize(old + static_cast<std::size_t>(got));
    if (got == 0) break;
  }
  int code = Z_OK;
  gzerror(file, &code);
  const std::string why = code == Z_OK ? "" : gzip_problem(file, name);
  gzclose(file);
  if (!why.empty()) fail("{}: {}", name, why);
  return bytes;
}

Dataset read_idx_dataset(const std::filesystem::path& images_path, const std::filesystem::path& labels_path) {
  const std::vector<uint8_t> image_bytes = read_file_bytes(images_path);
  const std::vector<uint8_t> label_bytes = read_file_bytes(labels_path);
  return parse_idx_dataset(image_bytes, images_path.string(), label_bytes, labels_path.string());
}

Dataset parse_idx_dataset(std::span<const uint8_t> image_bytes, const std::string& images_name,
                          std::span<const uint8_t> label_bytes, const std::string& labels_name) {
  const std::vector<uint32_t> dims = parse_header(image_bytes, images_name, kIdxImagesMagic, 3);
  const std::vector<uint32_t> label_dims = parse_header(label_bytes, labels_name, kIdxLabelsMagic, 1);

  if (dims[0] == 0) fail("{}: holds no images", images_name);
  if (dims[1] == 0 || dims[2] == 0) fail("{}: images of size {}x{}", images_name, dims[1], dims[2]);
  if (dims[1] > 4096 || dims[2] > 4096)
    fail("{}: images of size {}x{} are implausibly large", images_name, dims[1], dims[2]);
  if (label_dims[0] != dims[0])
    fail("{}: holds {} labels but {} holds {} images", labels_name, label_dims[0], images_name, dims[0]);

  Dataset data;
  data.n = dims[0];
  data.rows = static_cast<int>(dims[1]);
  data.cols = static_cast<int>(dims[2]);
  data.source = images_name;
  const std::size_t n_pixels = static_cast<std::size_t>(data.n) * data.pixels();
  data.images.resize(n_pixels);
  const uint8_t* pixels = image_bytes.data() + 16;
  for (std::size_t i = 0; i < n_pixels; ++i) data.images[i] = pixels[i] / 255.0f;
  data.labels.assign(label_bytes.begin() + 8, label_bytes.end());
  for (std::size_t i = 0; i < data.labels.size(); ++i)
    if (data.labels[i] > 9) fail("{}: label {} of item {} is outside 0–9", labels_name, data.labels[i], i);
  return data;
}

void write_idx_dataset(const Dataset& data, const std::filesystem::path& images_path,
                       const std::filesystem::path& labels_path) {
  std::string images;
  append_be32(images, kIdxImagesMagic);
  append_be32(images, static_cast<uint32_t>(data.n));
  append_be32(images, static_cast<uint32_t>(data.rows));
  append_be32(images, static_cast<uint32_t>(data.cols));
  images.reserve(images.size() + data.images.size());
  for (float v : data.images)
    images.push_back(static_cast<char>(static_cast<uint8_t>(std::lround(v * 255.0f))));
  std::string labels;
  append_be32(labels, kIdxLabelsMagic);
  append_be32(labels, static_cast<uint32_t>(data.n));
  for (uint8_t l : data.labels) labels.push_back(static_cast<char>(l));
  write_file_atomically(images_path, images);
  write_file_atomically(labels_path, labels);
}

}  // namespace valley
