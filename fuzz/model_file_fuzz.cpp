// The model file reader (model/model_file.h): safetensors layout, tensor
// names and shapes, metadata, finite values, on one input from memory; an
// accepted input must also keep the header rules (a leading '{', space
// padding; duplicate keys are refused by the parser's callback).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "expect_one_line.h"
#include "valley/model/model_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    valley::decode_model_file(bytes, "model");
    // Accepted: the header keeps the format's rules, which JSON alone does
    // not: it starts with '{' and is padded with spaces (0x20) only.
    uint64_t n = 0;
    for (int i = 0; i < 8; ++i) n |= uint64_t{static_cast<uint8_t>(bytes[i])} << (8 * i);
    const std::string_view header = bytes.substr(8, n);
    if (header.empty() || header.front() != '{' || header.find('\0') != std::string_view::npos ||
        header[header.find_last_not_of(' ')] != '}')
      std::abort();
  } catch (const valley::Error& e) {
    valley::fuzz::expect_one_line(e);
  }
  return 0;
}
