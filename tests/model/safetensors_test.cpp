#include "valley/model/safetensors.h"

#include <gtest/gtest.h>

#include <string>

#include "valley/core/error.h"

namespace valley {
namespace {

using namespace std::string_literals;

// huggingface/safetensors' own serialization test (safetensors/src/tensor.rs,
// test_serialization): tensor "attn.0", F32, shape [1, 2, 3], values 0 … 5.
// Its 64-byte header is already a multiple of 8, so it has no padding.
TEST(Safetensors, EncodesTheReferenceImplementationsTestVector) {
  const std::string expected =
      "\x40\x00\x00\x00\x00\x00\x00\x00"s
      R"({"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}})"
      "\x00\x00\x00\x00"    // 0.0f
      "\x00\x00\x80\x3f"    // 1.0f
      "\x00\x00\x00\x40"    // 2.0f
      "\x00\x00\x40\x40"    // 3.0f
      "\x00\x00\x80\x40"    // 4.0f
      "\x00\x00\xa0\x40"s;  // 5.0f
  const std::string bytes = encode_safetensors({{"attn.0", {1, 2, 3}, {0, 1, 2, 3, 4, 5}}}, {});
  EXPECT_EQ(bytes, expected);
  const SafetensorsContents back = decode_safetensors(bytes, "t");
  ASSERT_EQ(back.tensors.size(), 1u);
  EXPECT_EQ(back.tensors[0].name, "attn.0");
  EXPECT_EQ(back.tensors[0].shape, (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(back.tensors[0].values, (std::vector<float>{0, 1, 2, 3, 4, 5}));
  EXPECT_TRUE(back.metadata.empty());
}

TEST(Safetensors, PadsTheHeaderWithSpacesToAMultipleOfEight) {
  const std::string bytes = encode_safetensors({{"a", {1}, {1.5f}}}, {{"k", "v"}});
  const uint64_t n = static_cast<uint8_t>(bytes[0]) | (static_cast<uint8_t>(bytes[1]) << 8);
  EXPECT_EQ(n % 8, 0u);
  EXPECT_EQ(bytes.size(), 8 + n + 4);
  const std::string header = bytes.substr(8, n);
  EXPECT_EQ(header.substr(0, header.find_last_not_of(' ') + 1),
            R"({"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})");
  EXPECT_EQ(decode_safetensors(bytes, "t").metadata.at("k"), "v");
}

TEST(Safetensors, ReadsTensorsInAnyHeaderOrderAndKeepsDataOrder) {
  const std::string header = R"({"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},)"
                             R"("a":{"dtype":"F32","shape":[],"data_offsets":[0,4]},)"
                             R"("z":{"dtype":"F32","shape":[0,5],"data_offsets":[8,8]}})";
  std::string bytes = "xxxxxxxx" + header + "\x00\x00\x80\x3f\x00\x00\x00\x40"s;
  bytes[0] = static_cast<char>(header.size());
  for (int i = 1; i < 8; ++i) bytes[i] = 0;
  const SafetensorsContents c = decode_safetensors(bytes, "t");
  ASSERT_EQ(c.tensors.size(), 3u);
  EXPECT_EQ(c.tensors[0].name, "a");
  EXPECT_EQ(c.tensors[0].values, std::vector<float>{1.0f});
  EXPECT_EQ(c.tensors[1].name, "b");
  EXPECT_EQ(c.tensors[1].values, std::vector<float>{2.0f});
  EXPECT_TRUE(c.tensors[2].values.empty());
}

}  // namespace
}  // namespace valley
