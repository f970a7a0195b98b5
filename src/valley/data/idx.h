// The IDX format of the MNIST files: a big-endian header (two zero bytes, a
// type byte 0x08 for unsigned bytes, the number of dimensions, then each
// dimension as a 32-bit count) followed by the raw bytes. Images are magic
// 2051 (3 dimensions: n, rows, cols), labels magic 2049 (1 dimension: n).
// Files may be raw or gzip-compressed; both are read the same way.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "valley/data/dataset.h"

namespace valley {

inline constexpr uint32_t kIdxImagesMagic = 2051;
inline constexpr uint32_t kIdxLabelsMagic = 2049;

// Reads a whole regular file, decompressing it if it is gzip. Never reads
// more than `max_bytes` (a guard against decompression bombs). Anything but a
// regular file (a directory, a FIFO that would block, a device) is refused.
// Errors name the file.
std::vector<uint8_t> read_file_bytes(const std::filesystem::path& path,
                                     std::size_t max_bytes = std::size_t{1} << 31);

// Reads an image file and a label file into one data set, checking the
// magic numbers, the dimensions against the real length, labels 0–9, and that
// both files hold the same number of items.
Dataset read_idx_dataset(const std::filesystem::path& images_path, const std::filesystem::path& labels_path);

// The same checks on files already in memory; the names are for the errors.
Dataset parse_idx_dataset(std::span<const uint8_t> image_bytes, const std::string& images_name,
                          std::span<const uint8_t> label_bytes, const std::string& labels_name);

// Writes images (pixels rounded back to bytes) and labels as raw IDX files,
// atomically.
void write_idx_dataset(const Dataset& data, const std::filesystem::path& images_path,
                       const std::filesystem::path& labels_path);

}  // namespace valley
