// The model file reader (model/model_file.h): safetensors layout, tensor
// names and shapes, metadata, finite values, on one input from memory.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "expect_one_line.h"
#include "valley/model/model_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  try {
    valley::decode_model_file(std::string_view(reinterpret_cast<const char*>(data), size), "model");
  } catch (const valley::Error& e) {
    valley::fuzz::expect_one_line(e);
  }
  return 0;
}
