// The header rules of the safetensors format that JSON alone does not make:
// it starts with '{', is padded with spaces (0x20) only, and names each key
// once; and the metadata valley reads back, where present, is well formed.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "valley/core/error.h"
#include "valley/model/model_file.h"
#include "valley/model/safetensors.h"

namespace valley {
namespace {

using namespace std::string_literals;

// A file from a header and data, the 8-byte length in front.
std::string file_of(const std::string& header, const std::string& data) {
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>(uint64_t{header.size()} >> (8 * i));
  return bytes + header + data;
}

const std::string kWeight = R"("layers.0.weight":{"dtype":"F32","shape":[2,1],"data_offsets":[0,8]})";
const std::string kBias = R"("layers.0.bias":{"dtype":"F32","shape":[2],"data_offsets":[8,16]})";
const std::string kData(16, '\0');

std::string tensors_with(const std::string& metadata) {
  return "{" + (metadata.empty() ? "" : "\"__metadata__\":{" + metadata + "},") + kWeight + "," + kBias + "}";
}

// The message of decoding `bytes` as a model file, or "" when it is accepted.
std::string refusal(const std::string& bytes) {
  try {
    decode_model_file(bytes, "m.safetensors");
    return "";
  } catch (const Error& e) {
    return e.what();
  }
}

void expect_refused(const std::string& what, const std::string& bytes, const std::string& part) {
  const std::string message = refusal(bytes);
  ASSERT_FALSE(message.empty()) << what << ": accepted";
  EXPECT_EQ(message.rfind("m.safetensors: ", 0), 0u) << what << ": " << message;
  EXPECT_NE(message.find(part), std::string::npos) << what << ": " << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << what << ": " << message;
}

TEST(SafetensorsHeader, ADuplicateTensorNameIsRefusedNotLastOneWins) {
  const std::string other = R"("layers.0.weight":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]})";
  expect_refused("duplicate tensor", file_of("{" + kWeight + "," + other + "," + kBias + "}", kData),
                 "the header names \"layers.0.weight\" twice");
}

TEST(SafetensorsHeader, ADuplicateKeyAtAnyDepthIsRefused) {
  expect_refused("duplicate metadata key", file_of(tensors_with(R"("net":"1-2","net":"1-2")"), kData),
                 "names \"net\" twice");
  expect_refused(
      "duplicate field of an entry",
      file_of(R"({"layers.0.weight":{"dtype":"F32","dtype":"F32","shape":[2,1],"data_offsets":[0,8]},)" +
                  kBias + "}",
              kData),
      "names \"dtype\" twice");
  expect_refused("duplicate __metadata__",
                 file_of(R"({"__metadata__":{},"__metadata__":{},)" + kWeight + "," + kBias + "}", kData),
                 "names \"__metadata__\" twice");
}

TEST(SafetensorsHeader, AByteOrderMarkOrALeadingBlankIsRefused) {
  expect_refused("byte-order mark", file_of("\xEF\xBB\xBF" + tensors_with(""), kData),
                 "must start with '{' (it starts with byte 0xef, a UTF-8 byte-order mark)");
  expect_refused("leading space", file_of(" " + tensors_with(""), kData), "must start with '{'");
  expect_refused("leading newline", file_of("\n" + tensors_with(""), kData), "must start with '{'");
}

TEST(SafetensorsHeader, PaddingOtherThanSpacesIsRefused) {
  expect_refused("NUL padding", file_of(tensors_with("") + "\0\0\0"s, kData), "holds a NUL byte at offset");
  expect_refused("NUL inside", file_of("{\0"s + kWeight + "," + kBias + "}", kData), "holds a NUL byte");
  expect_refused("tab padding", file_of(tensors_with("") + "\t", kData),
                 "must be padded with spaces (0x20) only");
  expect_refused("newline padding", file_of(tensors_with("") + "  \n ", kData),
                 "must be padded with spaces (0x20) only");
}

TEST(SafetensorsHeader, SpacePaddingAndNoMetadataAreAccepted) {
  // PyTorch's safetensors writes no __metadata__ and pads with spaces.
  EXPECT_EQ(refusal(file_of(tensors_with("") + "       ", kData)), "");
  EXPECT_EQ(refusal(file_of(tensors_with(""), kData)), "");
  EXPECT_EQ(
      refusal(file_of(tensors_with(R"("updates":"0","seed":"18446744073709551615","config":"{}")"), kData)),
      "");
  // What valley writes reads back.
  const std::string written = encode_safetensors({{"a", {1}, {1.5f}}}, {{"k", "v"}});
  EXPECT_EQ(decode_safetensors(written, "t").metadata.at("k"), "v");
}

TEST(SafetensorsHeader, MetadataThatIsPresentMustBeWellFormed) {
  expect_refused("unparsable config", file_of(tensors_with(R"("config":"{\"method\": ")"), kData),
                 "its metadata \"config\" is not a JSON object");
  expect_refused("config not an object", file_of(tensors_with(R"("config":"[1]")"), kData),
                 "its metadata \"config\" is not a JSON object");
  expect_refused("negative updates", file_of(tensors_with(R"("updates":"-5")"), kData),
                 "its metadata \"updates\" is \"-5\", not a whole number ≥ 0");
  expect_refused("updates with a tail", file_of(tensors_with(R"("updates":"12abc")"), kData),
                 "its metadata \"updates\" is \"12abc\"");
  expect_refused("empty updates", file_of(tensors_with(R"("updates":"")"), kData),
                 "its metadata \"updates\" is \"\"");
  expect_refused("seed beyond 2^64", file_of(tensors_with(R"("seed":"18446744073709551616")"), kData),
                 "its metadata \"seed\" is \"18446744073709551616\"");
}

}  // namespace
}  // namespace valley
