// The npm digit JSON reader (data/digits_json.h) on one file.
#include <cstddef>
#include <cstdint>
#include <span>

#include "expect_one_line.h"
#include "valley/data/digits_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  try {
    valley::parse_digit_json(std::span<const uint8_t>(data, size), "3.json", 3);
  } catch (const valley::Error& e) {
    valley::fuzz::expect_one_line(e);
  }
  return 0;
}
