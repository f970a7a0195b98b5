// Small data sets written to disk for the tests: synthetic IDX files, raw or
// gzip, and helpers to write arbitrary bytes.
#pragma once

#include <filesystem>
#include <string>

#include "valley/data/dataset.h"

namespace valley::testing {

// n images of rows×cols with deterministic pixel values and labels i % 10.
Dataset synthetic_dataset(int64_t n, int rows, int cols);

// Writes train-* and t10k-* IDX files of synthetic data into dir.
void write_synthetic_data_dir(const std::filesystem::path& dir, int64_t n_train, int64_t n_test,
                              int rows = 28, int cols = 28);

void write_bytes(const std::filesystem::path& path, const std::string& bytes);
std::string read_text(const std::filesystem::path& path);
std::string gzip_bytes(const std::string& bytes);

// The directory of the official MNIST beside the source tree, or empty.
std::filesystem::path shared_mnist_dir();

}  // namespace valley::testing
