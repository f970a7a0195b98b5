#include "valley/data/idx.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <span>

#include "support/fixtures.h"
#include "support/temp_dir.h"
#include "valley/core/error.h"

namespace valley {
namespace {

using testing::TempDir;

std::string be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

std::string image_file(uint32_t magic, uint32_t n, uint32_t rows, uint32_t cols, size_t n_bytes) {
  return be32(magic) + be32(n) + be32(rows) + be32(cols) + std::string(n_bytes, '\x7f');
}

std::string label_file(uint32_t n, const std::string& labels) {
  return be32(kIdxLabelsMagic) + be32(n) + labels;
}

// Reads images+labels and returns the error message (empty if it loaded).
std::string load_error(const std::filesystem::path& images, const std::filesystem::path& labels) {
  try {
    read_idx_dataset(images, labels);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

class IdxMalformed : public ::testing::Test {
 protected:
  void write(const std::string& images, const std::string& labels) {
    testing::write_bytes(images_, images);
    testing::write_bytes(labels_, labels);
  }
  void expect_error(const std::filesystem::path& file, const std::string& problem) {
    const std::string message = load_error(images_, labels_);
    EXPECT_NE(message.find(file.string()), std::string::npos) << message;
    EXPECT_NE(message.find(problem), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << "one line: " << message;
  }
  TempDir dir_;
  std::filesystem::path images_ = dir_ / "images";
  std::filesystem::path labels_ = dir_ / "labels";
};

TEST(Idx, RoundTripPreservesEveryPixelAndLabel) {
  TempDir dir;
  const Dataset original = testing::synthetic_dataset(25, 5, 7);
  write_idx_dataset(original, dir / "i", dir / "l");
  const Dataset back = read_idx_dataset(dir / "i", dir / "l");
  EXPECT_EQ(back.n, 25);
  EXPECT_EQ(back.rows, 5);
  EXPECT_EQ(back.cols, 7);
  EXPECT_EQ(back.labels, original.labels);
  EXPECT_EQ(back.images, original.images);
}

TEST(Idx, ReadsGzipLikeRaw) {
  TempDir dir;
  const Dataset original = testing::synthetic_dataset(12, 4, 4);
  write_idx_dataset(original, dir / "i", dir / "l");
  testing::write_bytes(dir / "i.gz", testing::gzip_bytes(testing::read_text(dir / "i")));
  testing::write_bytes(dir / "l.gz", testing::gzip_bytes(testing::read_text(dir / "l")));
  const Dataset back = read_idx_dataset(dir / "i.gz", dir / "l.gz");
  EXPECT_EQ(back.images, original.images);
  EXPECT_EQ(back.labels, original.labels);
}

TEST_F(IdxMalformed, WrongMagic) {
  write(image_file(2049, 2, 2, 2, 8), label_file(2, "\x01\x02"));
  expect_error(images_, "wrong magic number 2049");
}

TEST_F(IdxMalformed, TruncatedData) {
  write(image_file(kIdxImagesMagic, 2, 2, 2, 5), label_file(2, "\x01\x02"));
  expect_error(images_, "truncated");
}

TEST_F(IdxMalformed, HeaderCountFarLargerThanFile) {
  // 4 billion images of 4096x4096 declared: must fail before allocating.
  write(image_file(kIdxImagesMagic, 0xFFFFFFFFu, 4096, 4096, 16), label_file(2, "\x01\x02"));
  expect_error(images_, "impossible size");
}

TEST_F(IdxMalformed, HeaderCountLargerThanFile) {
  write(image_file(kIdxImagesMagic, 3, 2, 2, 8), label_file(3, "\x01\x02\x03"));
  expect_error(images_, "holds only 8");
}

TEST_F(IdxMalformed, ImageLabelCountMismatch) {
  write(image_file(kIdxImagesMagic, 2, 2, 2, 8), label_file(3, "\x01\x02\x03"));
  expect_error(labels_, "holds 3 labels");
}

TEST_F(IdxMalformed, LabelOutOfRange) {
  write(image_file(kIdxImagesMagic, 2, 2, 2, 8), label_file(2, "\x01\x0c"));
  expect_error(labels_, "label 12 of item 1 is outside 0–9");
}

TEST_F(IdxMalformed, CorruptGzip) {
  std::string gz = testing::gzip_bytes(image_file(kIdxImagesMagic, 2, 2, 2, 8));
  gz[gz.size() / 2] ^= 0x55;
  gz[gz.size() / 2 + 1] ^= 0x55;
  write(gz, label_file(2, "\x01\x02"));
  expect_error(images_, "corrupt gzip");
}

TEST_F(IdxMalformed, TruncatedGzip) {
  std::string gz = testing::gzip_bytes(image_file(kIdxImagesMagic, 50, 20, 20, 20000));
  write(gz.substr(0, gz.size() / 2), label_file(2, "\x01\x02"));
  expect_error(images_, "corrupt gzip");
}

TEST_F(IdxMalformed, EmptyFile) {
  write("", label_file(2, "\x01\x02"));
  expect_error(images_, "empty");
}

TEST_F(IdxMalformed, MissingFile) {
  testing::write_bytes(labels_, label_file(2, "\x01\x02"));
  expect_error(images_, "not found");
}

TEST_F(IdxMalformed, DirectoryInsteadOfFile) {
  std::filesystem::create_directories(images_);
  testing::write_bytes(labels_, label_file(2, "\x01\x02"));
  expect_error(images_, "is a directory");
}

TEST_F(IdxMalformed, FifoInsteadOfFileIsRefusedWithoutBlocking) {
  ASSERT_EQ(::mkfifo(images_.c_str(), 0644), 0);
  testing::write_bytes(labels_, label_file(2, "\x01\x02"));
  expect_error(images_, "is not a regular file");
}

TEST(Idx, ParsesBytesInMemoryLikeAFile) {
  TempDir dir;
  const Dataset original = testing::synthetic_dataset(3, 2, 2);
  write_idx_dataset(original, dir / "i", dir / "l");
  const std::string images = testing::read_text(dir / "i");
  const std::string labels = testing::read_text(dir / "l");
  const auto bytes = [](const std::string& s) {
    return std::span(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  };
  const Dataset parsed = parse_idx_dataset(bytes(images), "i", bytes(labels), "l");
  EXPECT_EQ(parsed.images, original.images);
  EXPECT_EQ(parsed.labels, original.labels);
  try {
    parse_idx_dataset(bytes(images.substr(0, 17)), "in-memory images", bytes(labels), "l");
    ADD_FAILURE() << "accepted a truncated file";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("in-memory images: header declares 12 data bytes"),
              std::string::npos)
        << e.what();
  }
}

TEST(DataDir, MissingFileNamesTheDirectoryAndTheFile) {
  TempDir dir;
  testing::write_synthetic_data_dir(dir.path(), 10, 10);
  std::filesystem::remove(dir / kTestLabels);
  try {
    load_data_dir(dir.path());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(kTestLabels), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace valley
