#include "support/fixtures.h"

#include <fstream>
#include <sstream>

#include <zlib.h>

#include "valley/data/idx.h"

namespace valley::testing {

Dataset synthetic_dataset(int64_t n, int rows, int cols) {
  Dataset data;
  data.n = n;
  data.rows = rows;
  data.cols = cols;
  data.source = "synthetic";
  for (int64_t i = 0; i < n; ++i) {
    const int label = static_cast<int>(i % 10);
    data.labels.push_back(static_cast<uint8_t>(label));
    for (int p = 0; p < rows * cols; ++p)
      data.images.push_back(static_cast<float>((p * 7 + label * 31 + i) % 256) / 255.0f);
  }
  return data;
}

void write_synthetic_data_dir(const std::filesystem::path& dir, int64_t n_train, int64_t n_test, int rows,
                              int cols) {
  std::filesystem::create_directories(dir);
  write_idx_dataset(synthetic_dataset(n_train, rows, cols), dir / kTrainImages, dir / kTrainLabels);
  write_idx_dataset(synthetic_dataset(n_test, rows, cols), dir / kTestImages, dir / kTestLabels);
}

void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string gzip_bytes(const std::string& bytes) {
  z_stream stream{};
  deflateInit2(&stream, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&stream, static_cast<uLong>(bytes.size())) + 32, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  stream.avail_in = static_cast<uInt>(bytes.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

std::filesystem::path shared_mnist_dir() {
  const std::filesystem::path dir = VALLEY_SHARED_MNIST;
  if (std::filesystem::exists(dir / "train-images-idx3-ubyte.gz")) return dir;
  return {};
}

}  // namespace valley::testing
