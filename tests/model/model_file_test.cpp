#include "valley/model/model_file.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "support/fixtures.h"
#include "support/temp_dir.h"
#include "valley/core/error.h"
#include "valley/model/init.h"

namespace valley {
namespace {

using namespace std::string_literals;
using testing::TempDir;
using testing::write_bytes;

// 2-3-2 with x = 1, 2, …, 17 in valley's layout: W_1 = [[1 2 3] [4 5 6]]
// (2 inputs × 3 units), b_1 = [7 8 9], W_2 = [[10 11] [12 13] [14 15]],
// b_2 = [16 17]. PyTorch's [out, in] weights are their transposes.
Vec one_to_seventeen() {
  Vec x(17);
  for (int i = 0; i < 17; ++i) x[i] = static_cast<float>(i + 1);
  return x;
}

// The file, computed by hand: header length 312 = 0x138 (307 bytes of JSON
// and 5 spaces), then the data, each float little-endian.
const std::string kTwoThreeTwo =
    "\x38\x01\x00\x00\x00\x00\x00\x00"s
    R"({"__metadata__":{"net":"2-3-2"},)"
    R"("layers.0.weight":{"dtype":"F32","shape":[3,2],"data_offsets":[0,24]},)"
    R"("layers.0.bias":{"dtype":"F32","shape":[3],"data_offsets":[24,36]},)"
    R"("layers.1.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[36,60]},)"
    R"("layers.1.bias":{"dtype":"F32","shape":[2],"data_offsets":[60,68]}})"
    "     "
    // layers.0.weight = W_1ᵀ = [[1 4] [2 5] [3 6]]
    "\x00\x00\x80\x3f"
    "\x00\x00\x80\x40"
    "\x00\x00\x00\x40"
    "\x00\x00\xa0\x40"
    "\x00\x00\x40\x40"
    "\x00\x00\xc0\x40"
    // layers.0.bias = [7 8 9]
    "\x00\x00\xe0\x40"
    "\x00\x00\x00\x41"
    "\x00\x00\x10\x41"
    // layers.1.weight = W_2ᵀ = [[10 12 14] [11 13 15]]
    "\x00\x00\x20\x41"
    "\x00\x00\x40\x41"
    "\x00\x00\x60\x41"
    "\x00\x00\x30\x41"
    "\x00\x00\x50\x41"
    "\x00\x00\x70\x41"
    // layers.1.bias = [16 17]
    "\x00\x00\x80\x41"
    "\x00\x00\x88\x41"s;

TEST(ModelFile, LayoutIsByteExactForAHandComputedTwoThreeTwoNet) {
  const NetSpec net = NetSpec::parse("2-3-2");
  EXPECT_EQ(encode_model_file(net, one_to_seventeen(), {}), kTwoThreeTwo);
  const ModelFile back = decode_model_file(kTwoThreeTwo, "t");
  EXPECT_EQ(back.net.str(), "2-3-2");
  EXPECT_EQ(back.x, one_to_seventeen());
}

TEST(ModelFile, WriteThenReadGivesBitIdenticalParametersAndMetadata) {
  TempDir dir;
  const NetSpec net = NetSpec::parse("784-20-7-10");
  Vec x = glorot_uniform(net, 5);
  x[3] = std::numeric_limits<float>::denorm_min();
  x[4] = -0.0f;
  const std::map<std::string, std::string> meta = {
      {"method", "sgld"}, {"seed", "5"}, {"note", "ünïcode \"quoted\""}};
  write_model_file(dir / "m.safetensors", net, x, meta);
  EXPECT_FALSE(std::filesystem::exists(dir / "m.safetensors.tmp"));
  const ModelFile back = load_model(dir / "m.safetensors");
  EXPECT_EQ(back.net.widths, net.widths);
  ASSERT_EQ(back.x.size(), x.size());
  EXPECT_EQ(std::memcmp(back.x.data(), x.data(), sizeof(float) * x.size()), 0);
  EXPECT_TRUE(std::signbit(back.x[4]));
  for (const auto& [k, v] : meta) EXPECT_EQ(back.metadata.at(k), v) << k;
  EXPECT_EQ(back.metadata.at("net"), "784-20-7-10");
}

TEST(ModelFile, LoadModelReadsTheFileOfARunDirectory) {
  TempDir dir;
  const NetSpec net = NetSpec::parse("2-3-2");
  write_model_file(dir / kModelFile, net, one_to_seventeen(), {});
  EXPECT_EQ(load_model(dir.path()).x, one_to_seventeen());
  TempDir empty_dir;
  try {
    load_model(empty_dir / "sub");
    ADD_FAILURE() << "a missing path was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no such file"), std::string::npos) << e.what();
  }
  std::filesystem::create_directories(empty_dir / "sub");
  try {
    load_model(empty_dir / "sub");
    ADD_FAILURE() << "a directory without a model was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no model.safetensors"), std::string::npos) << e.what();
  }
}

TEST(ModelFile, ExpectModelNetNamesBothNets) {
  const ModelFile model = decode_model_file(kTwoThreeTwo, "m.safetensors");
  EXPECT_NO_THROW(expect_model_net(model, NetSpec::parse("2-3-2"), "m.safetensors", "--net"));
  try {
    expect_model_net(model, NetSpec::parse("2-4-2"), "m.safetensors", "--net");
    ADD_FAILURE() << "a different net was accepted";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "m.safetensors: holds a 2-3-2 network, but --net is 2-4-2");
  }
}

// A file from a header and data, the 8-byte length in front.
std::string with_header(const std::string& header, const std::string& data) {
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>(uint64_t{header.size()} >> (8 * i));
  return bytes + header + data;
}

const std::string kTensor1 = R"("layers.0.weight":{"dtype":"F32","shape":[2,1],"data_offsets":[0,8]})";
const std::string kBias1 = R"("layers.0.bias":{"dtype":"F32","shape":[2],"data_offsets":[8,16]})";
const std::string kFourFloats = std::string(16, '\0');

struct Malformed {
  const char* what;
  std::string bytes;
  const char* message;  // a part of the expected error
};

TEST(ModelFile, EveryMalformedFileGetsAOneLineErrorNamingTheFileAndTheProblem) {
  std::string huge_length(8, '\0');
  huge_length[7] = 0x01;  // 2^56
  std::string over_100mb(8, '\0');
  const uint64_t n = 100'000'001;
  for (int i = 0; i < 8; ++i) over_100mb[i] = static_cast<char>(n >> (8 * i));
  std::string nan_bytes = kFourFloats;
  nan_bytes.replace(4, 4, "\x00\x00\xc0\x7f"s);  // a quiet NaN in layers.0.weight[1, 0]
  std::string inf_bias = kFourFloats;
  inf_bias.replace(12, 4, "\x00\x00\x80\x7f"s);  // +inf in layers.0.bias[1]
  const std::vector<Malformed> cases = {
      {"empty", "", "truncated: 0 bytes"},
      {"truncated in the length", "\x10\x00\x00"s, "truncated: 3 bytes"},
      {"header length beyond the file", "\x64\x00\x00\x00\x00\x00\x00\x00{}"s,
       "header length 100 runs past the end of the file (10 bytes)"},
      {"header length 2^56", huge_length + "{}", "over the 100 MB limit"},
      {"header over 100 MB", over_100mb + "{}", "header length 100000001 is over the 100 MB limit"},
      {"bad JSON", with_header("{\"layers.0.weight\":", ""), "not valid JSON"},
      {"header not an object", with_header("[1,2]", ""), "not a JSON object"},
      {"non-string metadata",
       with_header("{\"__metadata__\":{\"seed\":5}," + kTensor1 + "," + kBias1 + "}", kFourFloats),
       "__metadata__ \"seed\" is a number"},
      {"metadata not an object",
       with_header("{\"__metadata__\":[]," + kTensor1 + "," + kBias1 + "}", kFourFloats),
       "__metadata__ is not a JSON object"},
      {"wrong dtype",
       with_header(R"({"layers.0.weight":{"dtype":"F16","shape":[2,1],"data_offsets":[0,4]},)" + kBias1 + "}",
                   std::string(12, '\0')),
       "has dtype F16; valley reads F32 tensors only"},
      {"shape not matching the offsets",
       with_header(R"({"layers.0.weight":{"dtype":"F32","shape":[3,1],"data_offsets":[0,8]},)" + kBias1 + "}",
                   kFourFloats),
       "shape [3,1] needs 12 bytes"},
      {"overflowing shape",
       with_header(
           R"({"layers.0.weight":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]},)" +
               kBias1 + "}",
           kFourFloats),
       "needs more than 2^64 bytes"},
      {"overlapping offsets",
       with_header("{" + kTensor1 + R"(,"layers.0.bias":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                   std::string(12, '\0')),
       "overlaps the tensor before it"},
      {"a gap between tensors",
       with_header("{" + kTensor1 + R"(,"layers.0.bias":{"dtype":"F32","shape":[2],"data_offsets":[12,20]}})",
                   std::string(20, '\0')),
       "leaving a gap after byte 8"},
      {"data truncated", with_header("{" + kTensor1 + "," + kBias1 + "}", std::string(12, '\0')),
       "truncated"},
      {"trailing bytes", with_header("{" + kTensor1 + "," + kBias1 + "}", std::string(20, '\0')),
       "trailing bytes"},
      {"missing offsets",
       with_header(R"({"layers.0.weight":{"dtype":"F32","shape":[2,1]},)" + kBias1 + "}", kFourFloats),
       "\"data_offsets\" must be two integers"},
      {"no tensors", with_header("{}", ""), "holds no tensor layers.0.weight"},
      {"missing bias", with_header("{" + kTensor1 + "}", std::string(8, '\0')),
       "tensor layers.0.bias is missing"},
      {"unknown tensor",
       with_header(
           "{" + kTensor1 + "," + kBias1 + R"(,"extra":{"dtype":"F32","shape":[1],"data_offsets":[16,20]}})",
           std::string(20, '\0')),
       "unknown tensor \"extra\""},
      {"skipped layer",
       with_header("{" + kTensor1 + "," + kBias1 +
                       R"(,"layers.2.weight":{"dtype":"F32","shape":[2,2],"data_offsets":[16,32]}})",
                   std::string(32, '\0')),
       "unknown tensor \"layers.2.weight\""},
      {"weight not 2-D",
       with_header(R"({"layers.0.weight":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)" + kBias1 + "}",
                   kFourFloats),
       "has shape [2], not [out, in]"},
      {"bias shape not the layer's",
       with_header(
           "{" + kTensor1 + R"(,"layers.0.bias":{"dtype":"F32","shape":[1,2],"data_offsets":[8,16]}})",
           kFourFloats),
       "tensor layers.0.bias has shape [1, 2], but layers.0.weight has 2 outputs"},
      {"layers that do not chain",
       with_header("{" + kTensor1 + "," + kBias1 +
                       R"(,"layers.1.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[16,40]},)"
                       R"("layers.1.bias":{"dtype":"F32","shape":[2],"data_offsets":[40,48]}})",
                   std::string(48, '\0')),
       "3 inputs, but the layer below has 2 outputs"},
      {"one output",
       with_header(R"({"layers.0.weight":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]},)"
                   R"("layers.0.bias":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
                   std::string(12, '\0')),
       "need at least 2 outputs"},
      {"metadata net not the tensors'",
       with_header("{\"__metadata__\":{\"net\":\"784-10\"}," + kTensor1 + "," + kBias1 + "}", kFourFloats),
       "its metadata says net 784-10, but its tensors form 1-2"},
      {"NaN weight", with_header("{" + kTensor1 + "," + kBias1 + "}", nan_bytes),
       "tensor layers.0.weight holds a non-finite value (nan) at [1, 0]"},
      {"infinite bias", with_header("{" + kTensor1 + "," + kBias1 + "}", inf_bias),
       "tensor layers.0.bias holds a non-finite value (inf) at [1]"},
  };
  TempDir dir;
  const std::filesystem::path file = dir / "bad.safetensors";
  for (const Malformed& c : cases) {
    write_bytes(file, c.bytes);
    try {
      read_model_file(file);
      ADD_FAILURE() << c.what << ": accepted";
    } catch (const Error& e) {
      const std::string message = e.what();
      EXPECT_EQ(message.rfind(file.string() + ": ", 0), 0u) << c.what << ": " << message;
      EXPECT_NE(message.find(c.message), std::string::npos) << c.what << ": " << message;
      EXPECT_EQ(message.find('\n'), std::string::npos) << c.what << ": " << message;
    }
  }
}

TEST(ModelFile, TheWellFormedBaseOfTheMalformedCasesIsAccepted) {
  const std::string w = R"("layers.0.weight":{"dtype":"F32","shape":[2,1],"data_offsets":[0,8]})";
  const std::string b = R"("layers.0.bias":{"dtype":"F32","shape":[2],"data_offsets":[8,16]})";
  const ModelFile m = decode_model_file(
      with_header("{\"__metadata__\":{\"net\":\"1-2\"}," + w + "," + b + "}", std::string(16, '\0')), "t");
  EXPECT_EQ(m.net.str(), "1-2");
  EXPECT_EQ(m.x.size(), 4);
}

}  // namespace
}  // namespace valley
