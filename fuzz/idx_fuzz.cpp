// The IDX reader (data/idx.h) on an image file and a label file cut from one
// input: the first two bytes (little-endian) give the image file's length.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include "expect_one_line.h"
#include "valley/data/idx.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::size_t image_bytes =
      std::min<std::size_t>(size - 2, static_cast<std::size_t>(data[0] | (data[1] << 8)));
  const std::span<const uint8_t> images(data + 2, image_bytes);
  const std::span<const uint8_t> labels(data + 2 + image_bytes, size - 2 - image_bytes);
  try {
    valley::parse_idx_dataset(images, "images", labels, "labels");
  } catch (const valley::Error& e) {
    valley::fuzz::expect_one_line(e);
  }
  return 0;
}
