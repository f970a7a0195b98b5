// The safetensors format (huggingface/safetensors), F32 tensors only:
//   N            u64 little-endian: the header's length in bytes
//   header       N bytes of UTF-8 JSON, padded with spaces to a multiple of 8:
//                {"__metadata__": {"key": "value", …},
//                 "name": {"dtype": "F32", "shape": [d0, d1, …], "data_offsets": [b, e]}, …}
//   data         the tensors' bytes, little-endian, row-major; tensor `name`
//                occupies data[b, e), e − b = 4·Πshape, and the ranges tile
//                the data from 0 to its end with no gap and no overlap.
// `__metadata__` is optional and maps strings to strings only. The reader
// checks all of this, and a header over 100 MB, before it allocates anything.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace valley {

inline constexpr uint64_t kSafetensorsMaxHeaderBytes = 100'000'000;

struct Tensor {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<float> values;  // Πshape entries, row-major
};

struct SafetensorsContents {
  std::vector<Tensor> tensors;  // in the order of their data
  std::map<std::string, std::string> metadata;
};

// The file's bytes: the tensors' data in the order given, the header's
// `__metadata__` first (left out when empty), then the tensors in that order.
std::string encode_safetensors(const std::vector<Tensor>& tensors,
                               const std::map<std::string, std::string>& metadata);

// Decodes and checks a whole file; any problem is a one-line valley::Error
// that starts with `name`.
SafetensorsContents decode_safetensors(std::string_view bytes, const std::string& name);

}  // namespace valley
