#include "valley/train/checkpoint.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>

#include <zlib.h>

#include "support/fixtures.h"
#include "support/temp_dir.h"
#include "valley/core/error.h"

namespace valley {
namespace {

using testing::TempDir;

// Byte offsets of the layout in checkpoint.h.
constexpr std::size_t kVersionAt = 8;
constexpr std::size_t kLengthAt = 12;
constexpr std::size_t kHeaderBytes = 20;

Checkpoint sample_checkpoint() {
  const double nan = std::nan("");
  Checkpoint c;
  c.config = {{"net", "784-10"}, {"method", "sgld"}, {"lr", 0.01}};
  c.n_done = 7;
  c.x = Vec::LinSpaced(5, -2.0f, 2.0f);
  c.x[1] = -0.0f;
  c.method_state = {1.5f, -1e-30f, 3.4e38f};
  c.rows = {{0, 0.0, 2.3, 0.1, 2.31, nan, 0.0, 0.0, nan}, {5, 1e-3, 1.9, 0.4, 1.95, 0.01, 40.0, 0.0, 12.5}};
  c.since_last_row = {2, 80, 0, 0.002, 25.25, 2};
  c.total_seconds = 0.0123;
  return c;
}

uint64_t bits(double v) { return std::bit_cast<uint64_t>(v); }

// Rewrites the checksum after a deliberate edit, as a forger would.
void fix_checksum(std::string& bytes) {
  const uLong crc =
      crc32(0L, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size() - 4));
  for (int i = 0; i < 4; ++i) bytes[bytes.size() - 4 + i] = static_cast<char>(crc >> (8 * i));
}

std::string decode_error(const std::string& bytes) {
  try {
    decode_checkpoint(bytes, "run/checkpoint.bin");
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("run/checkpoint.bin"), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    return message;
  }
  return "";
}

TEST(Checkpoint, RoundTripIsBitExact) {
  const Checkpoint c = sample_checkpoint();
  const Checkpoint back = decode_checkpoint(encode_checkpoint(c), "c");
  EXPECT_EQ(back.config, c.config);
  EXPECT_EQ(back.n_done, c.n_done);
  ASSERT_EQ(back.x.size(), c.x.size());
  for (Eigen::Index i = 0; i < c.x.size(); ++i)
    EXPECT_EQ(std::bit_cast<uint32_t>(back.x[i]), std::bit_cast<uint32_t>(c.x[i])) << i;
  EXPECT_EQ(back.method_state, c.method_state);
  ASSERT_EQ(back.rows.size(), c.rows.size());
  for (std::size_t i = 0; i < c.rows.size(); ++i) {
    const MetricsRow &a = back.rows[i], &b = c.rows[i];
    EXPECT_EQ(a.update, b.update);
    for (auto [x, y] : {std::pair{a.seconds, b.seconds},
                        {a.train_loss, b.train_loss},
                        {a.test_accuracy, b.test_accuracy},
                        {a.test_loss, b.test_loss},
                        {a.tau, b.tau},
                        {a.loss_evals, b.loss_evals},
                        {a.gradient_evals, b.gradient_evals},
                        {a.ess, b.ess}})
      EXPECT_EQ(bits(x), bits(y)) << "row " << i;  // NaN included
  }
  EXPECT_EQ(back.since_last_row.n_updates, 2);
  EXPECT_EQ(back.since_last_row.n_loss, 80);
  EXPECT_EQ(bits(back.since_last_row.ess_sum), bits(25.25));
  EXPECT_EQ(back.since_last_row.n_ess, 2);
  EXPECT_EQ(bits(back.total_seconds), bits(0.0123));
}

TEST(Checkpoint, WritesAtomicallyAndReadsBack) {
  TempDir dir;
  write_checkpoint(dir / "checkpoint.bin", sample_checkpoint());
  EXPECT_FALSE(std::filesystem::exists(dir / "checkpoint.bin.tmp"));
  EXPECT_EQ(read_checkpoint(dir / "checkpoint.bin").n_done, 7);
}

TEST(Checkpoint, RejectsTruncationAtEveryLength) {
  const std::string bytes = encode_checkpoint(sample_checkpoint());
  for (std::size_t n = 0; n < bytes.size(); ++n)
    EXPECT_NE(decode_error(bytes.substr(0, n)), "") << "accepted the first " << n << " bytes";
  EXPECT_NE(decode_error(bytes.substr(0, bytes.size() - 10)).find("truncated"), std::string::npos);
}

TEST(Checkpoint, RejectsEveryFlippedByte) {
  const std::string bytes = encode_checkpoint(sample_checkpoint());
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    std::string corrupt = bytes;
    corrupt[i] ^= 0x10;
    EXPECT_NE(decode_error(corrupt), "") << "accepted a flipped byte " << i;
  }
  std::string corrupt = bytes;
  corrupt[kHeaderBytes + 3] ^= 0x01;
  EXPECT_NE(decode_error(corrupt).find("checksum mismatch"), std::string::npos);
}

TEST(Checkpoint, NamesEachProblem) {
  const std::string good = encode_checkpoint(sample_checkpoint());
  EXPECT_NE(decode_error("").find("not a valley checkpoint"), std::string::npos);
  EXPECT_NE(decode_error("{\"net\": \"784-10\"}").find("not a valley checkpoint"), std::string::npos);

  std::string version = good;
  version[kVersionAt] = 9;
  EXPECT_NE(decode_error(version).find("format version 9, but this valley reads version 1"),
            std::string::npos);

  EXPECT_NE(decode_error(good + "xyz").find("trailing bytes"), std::string::npos);

  std::string huge = good;  // declares 2^60 bytes of state
  huge[kLengthAt + 7] = 0x10;
  EXPECT_NE(decode_error(huge).find("truncated"), std::string::npos);
}

TEST(Checkpoint, RejectsForgedContentsWithAValidChecksum) {
  const std::string good = encode_checkpoint(sample_checkpoint());
  // The configuration's length field, then its first byte.
  std::string count = good;
  count[kHeaderBytes + 7] = 0x7f;  // a length of about 2^63
  fix_checksum(count);
  EXPECT_NE(decode_error(count).find("declares"), std::string::npos);

  std::string not_json = good;
  not_json[kHeaderBytes + 8] = '\xff';
  fix_checksum(not_json);
  EXPECT_NE(decode_error(not_json).find("not valid JSON"), std::string::npos);
}

// The seed of the checkpoint fuzzer stays a valid checkpoint of this format.
TEST(Checkpoint, FuzzSeedIsAValidCheckpoint) {
  const Checkpoint c =
      read_checkpoint(std::filesystem::path(VALLEY_SOURCE_DIR) / "fuzz/corpus/checkpoint/sgld-784-10.bin");
  EXPECT_EQ(c.n_done, 6);
  EXPECT_EQ(c.config["method"], "sgld");
}

}  // namespace
}  // namespace valley
