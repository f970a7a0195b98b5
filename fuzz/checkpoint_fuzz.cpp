// The checkpoint reader (train/checkpoint.h), then the settings it holds
// (train_config_from_json and validate, as `valley train --resume` does).
// Each input is decoded twice: as it is, and with its length field and
// checksum made consistent, so that mutations reach the payload's parser
// instead of stopping at the checksum.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <zlib.h>

#include "expect_one_line.h"
#include "valley/train/checkpoint.h"
#include "valley/train/train_config.h"

namespace {

constexpr std::size_t kLengthAt = 12;  // after the magic and the version
constexpr std::size_t kHeaderBytes = 20;
constexpr std::size_t kCrcBytes = 4;

void decode(std::string_view bytes) {
  try {
    const valley::Checkpoint checkpoint = valley::decode_checkpoint(bytes, "checkpoint.bin");
    valley::validate(valley::train_config_from_json(checkpoint.config, "checkpoint.bin"));
  } catch (const valley::Error& e) {
    valley::fuzz::expect_one_line(e);
  }
}

void put_le(std::string& bytes, std::size_t at, uint64_t value, int n_bytes) {
  for (int i = 0; i < n_bytes; ++i) bytes[at + i] = static_cast<char>(value >> (8 * i));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  decode(bytes);
  if (size < kHeaderBytes + kCrcBytes) return 0;
  put_le(bytes, kLengthAt, size - kHeaderBytes - kCrcBytes, 8);
  const uLong crc =
      crc32(0L, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(size - kCrcBytes));
  put_le(bytes, size - kCrcBytes, crc, 4);
  decode(bytes);
  return 0;
}
