#include "valley/data/digits_json.h"

#include <gtest/gtest.h>

#include "support/fixtures.h"
#include "support/temp_dir.h"
#include "valley/core/error.h"

namespace valley {
namespace {

using testing::TempDir;

std::string digits_json(int n_images, double value) {
  std::string out = "{\"data\": [";
  const std::string number = std::to_string(value);
  for (int i = 0; i < n_images * 784; ++i) {
    if (i > 0) out += ',';
    out += number;
  }
  return out + "]}";
}

std::string error_of(const std::string& contents) {
  TempDir dir;
  testing::write_bytes(dir / "3.json", contents);
  try {
    read_digit_json(dir / "3.json", 3);
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("3.json"), std::string::npos) << message;
    return message;
  }
  return "";
}

TEST(DigitsJson, RecoversTheOriginalBytes) {
  TempDir dir;
  // 0.624 = round(159/255, 3): the original byte is 159.
  testing::write_bytes(dir / "7.json", digits_json(2, 0.624));
  const Dataset data = read_digit_json(dir / "7.json", 7);
  EXPECT_EQ(data.n, 2);
  EXPECT_EQ(data.labels, std::vector<uint8_t>(2, 7));
  EXPECT_FLOAT_EQ(data.images[0], 159.0f / 255.0f);
}

TEST(DigitsJson, RejectsMalformedFiles) {
  EXPECT_NE(error_of("{\"data\": [1, 2").find("not valid JSON"), std::string::npos);
  EXPECT_NE(error_of("{\"pixels\": []}").find("missing the \"data\" key"), std::string::npos);
  EXPECT_NE(error_of("{\"data\": 5}").find("not an array"), std::string::npos);
  EXPECT_NE(error_of("{\"data\": []}").find("empty"), std::string::npos);
  EXPECT_NE(error_of("{\"data\": [0.5, 0.5]}").find("not a multiple of 784"), std::string::npos);
  EXPECT_NE(error_of(digits_json(1, 2.0)).find("outside [0, 1]"), std::string::npos);
  std::string with_string = "{\"data\": [\"x\"";
  for (int i = 1; i < 784; ++i) with_string += ",0.5";
  with_string += "]}";
  EXPECT_NE(error_of(with_string).find("\"data\"[0] is not a number"), std::string::npos);
}

TEST(DigitsJson, RejectsWrongTypesNumbersBeyondDoubleAndBytesThatAreNotUtf8) {
  EXPECT_NE(error_of("[0.5]").find("expected a JSON object with a \"data\" key, found array"),
            std::string::npos);
  EXPECT_NE(error_of("null").find("found null"), std::string::npos);
  EXPECT_NE(error_of("{\"data\": [1e400]}").find("number overflow"), std::string::npos);
  EXPECT_NE(error_of("{\"data\": [\"\xff\"]}").find("not valid JSON"), std::string::npos);
}

TEST(DigitsJson, HeldOutSplitIsFixedAndDisjoint) {
  const Dataset all = testing::synthetic_dataset(100, 28, 28);
  const DataSplit a = split_held_out(all, 10, 42);
  const DataSplit b = split_held_out(all, 10, 42);
  EXPECT_EQ(a.train.n, 90);
  EXPECT_EQ(a.test.n, 10);
  EXPECT_EQ(a.test.images, b.test.images);
  const DataSplit c = split_held_out(all, 10, 43);
  EXPECT_NE(a.test.images, c.test.images);
}

}  // namespace
}  // namespace valley
