// core/files.h and write_file_atomically: what valley reads, where it writes,
// what it never replaces, and the lock of a directory.
#include "valley/core/files.h"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "support/temp_dir.h"
#include "valley/core/atomic_file.h"
#include "valley/core/error.h"

namespace valley {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

// The message of the valley::Error that `f` throws ("" if none).
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write(const fs::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; }

TEST(WriteFileAtomically, RefusesAFifoAndLeavesItAFifo) {
  TempDir dir;
  const fs::path fifo = dir / "out.json";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  const std::string message = error_of([&] { write_file_atomically(fifo, "{}\n"); });
  EXPECT_NE(message.find("out.json: is not a regular file (a FIFO)"), std::string::npos) << message;
  EXPECT_TRUE(fs::is_fifo(fs::symlink_status(fifo)));
  EXPECT_FALSE(fs::exists(dir / "out.json.tmp"));
}

TEST(WriteFileAtomically, RefusesADeviceAndADirectory) {
  TempDir dir;
  if (::geteuid() == 0) {  // only root may make a device node: a copy of /dev/null
    const fs::path device = dir / "null";
    ASSERT_EQ(::mknod(device.c_str(), S_IFCHR | 0666, makedev(1, 3)), 0);
    const std::string message = error_of([&] { write_file_atomically(device, "x"); });
    EXPECT_NE(message.find("is not a regular file (a device)"), std::string::npos) << message;
    EXPECT_TRUE(fs::is_character_file(fs::symlink_status(device)));
  }
  fs::create_directory(dir / "d");
  const std::string message = error_of([&] { write_file_atomically(dir / "d", "x"); });
  EXPECT_NE(message.find("d: is a directory"), std::string::npos) << message;
  EXPECT_TRUE(fs::is_directory(dir / "d"));
}

TEST(WriteFileAtomically, WritesThroughASymbolicLinkToItsFile) {
  TempDir dir;
  fs::create_directory(dir / "real");
  write(dir / "real" / "file.json", "old");
  fs::create_symlink("real/file.json", dir / "link.json");
  write_file_atomically(dir / "link.json", "new");
  EXPECT_TRUE(fs::is_symlink(fs::symlink_status(dir / "link.json")));
  EXPECT_EQ(fs::read_symlink(dir / "link.json"), "real/file.json");
  EXPECT_EQ(read(dir / "real" / "file.json"), "new");
  EXPECT_FALSE(fs::exists(dir / "real" / "file.json.tmp"));
}

TEST(WriteFileAtomically, RefusesALinkToNothingALinkToAFifoAndALoop) {
  TempDir dir;
  fs::create_symlink("missing", dir / "dangling");
  EXPECT_NE(
      error_of([&] { write_file_atomically(dir / "dangling", "x"); }).find("a symbolic link to nothing"),
      std::string::npos);
  EXPECT_FALSE(fs::exists(dir / "missing"));
  ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0644), 0);
  fs::create_symlink("fifo", dir / "to-fifo");
  EXPECT_NE(error_of([&] { write_file_atomically(dir / "to-fifo", "x"); }).find("(a FIFO)"),
            std::string::npos);
  fs::create_symlink("loop", dir / "loop");
  EXPECT_NE(
      error_of([&] { write_file_atomically(dir / "loop", "x"); }).find("too many levels of symbolic links"),
      std::string::npos);
  EXPECT_TRUE(fs::is_symlink(fs::symlink_status(dir / "loop")));
}

TEST(WriteFileAtomically, DoesNotFollowALinkOrOpenAFifoUnderItsTemporaryName) {
  TempDir dir;
  write(dir / "victim", "keep");
  fs::create_symlink("victim", dir / "out.tmp");
  EXPECT_NE(error_of([&] { write_file_atomically(dir / "out", "x"); }).find("cannot write"),
            std::string::npos);
  EXPECT_EQ(read(dir / "victim"), "keep");
  fs::remove(dir / "out.tmp");
  ASSERT_EQ(::mkfifo((dir / "out.tmp").c_str(), 0644), 0);  // no reader: opening it to write would block
  EXPECT_NE(error_of([&] { write_file_atomically(dir / "out", "x"); }).find("cannot write"),
            std::string::npos);
}

TEST(ExpectRegularFile, NamesWhatStandsThere) {
  TempDir dir;
  EXPECT_NE(error_of([&] { expect_regular_file(dir / "none"); }).find("none: file not found"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              expect_regular_file(dir / "none", "no such file or directory");
            }).find("none: no such file or directory"),
            std::string::npos);
  EXPECT_NE(error_of([&] { expect_regular_file(dir.path()); }).find("is a directory, expected a file"),
            std::string::npos);
  ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0644), 0);
  EXPECT_NE(error_of([&] { expect_regular_file(dir / "fifo"); }).find("fifo: is not a regular file (a FIFO)"),
            std::string::npos);
  EXPECT_NE(error_of([&] { read_text_file(dir / "fifo"); }).find("(a FIFO)"), std::string::npos);
  fs::create_symlink("loop", dir / "loop");
  EXPECT_NE(
      error_of([&] { expect_regular_file(dir / "loop"); }).find("loop: too many levels of symbolic links"),
      std::string::npos);
  write(dir / "file", "text");
  EXPECT_EQ(error_of([&] { expect_regular_file(dir / "file"); }), "");
  EXPECT_EQ(read_text_file(dir / "file"), "text");
}

TEST(MakeOutputDirectory, GivesTheReason) {
  TempDir dir;
  write(dir / "file", "x");
  EXPECT_NE(
      error_of([&] { make_output_directory(dir / "file", "--out"); }).find("exists and is not a directory"),
      std::string::npos);
  EXPECT_NE(error_of([&] { make_output_directory(dir / "file" / "run", "--out"); }).find("Not a directory"),
            std::string::npos);
  EXPECT_NE(
      error_of([&] { make_output_directory("/proc/valley-out", "--out"); }).find("cannot create directory: "),
      std::string::npos);
  EXPECT_EQ(make_output_directory(dir / "a" / "b" / "c", "--out"), dir / "a");
  EXPECT_TRUE(fs::is_directory(dir / "a" / "b" / "c"));
  EXPECT_EQ(make_output_directory(dir / "a" / "b", "--out"), fs::path());
}

TEST(ExpectPrintablePath, RefusesControlCharacters) {
  EXPECT_NE(error_of([] {
              expect_printable_path("out\nx", "--out");
            }).find("--out out\nx: holds a control character"),
            std::string::npos);
  EXPECT_EQ(error_of([] { expect_printable_path("out/τ x", "--out"); }), "");
}

TEST(CreatedDirectory, IsRemovedWhenAnExceptionEndsItsOwnerAndKeptOtherwise) {
  TempDir dir;
  try {
    const CreatedDirectory created(make_output_directory(dir / "a" / "b", "--out"), true);
    write(dir / "a" / "b" / "f", "x");
    fail("a failure");
  } catch (const Error&) {
  }
  EXPECT_FALSE(fs::exists(dir / "a"));
  { const CreatedDirectory created(make_output_directory(dir / "c", "--out"), true); }
  EXPECT_TRUE(fs::is_directory(dir / "c"));
}

TEST(DirectoryLock, ASecondHolderIsRefusedAndToldWhoHoldsIt) {
  TempDir dir;
  {
    const DirectoryLock first(dir.path(), "--out");
    EXPECT_NE(read(dir / ".lock").find("pid " + std::to_string(::getpid())), std::string::npos);
    const std::string message = error_of([&] { const DirectoryLock second(dir.path(), "--out"); });
    EXPECT_NE(message.find("in use by another valley (pid " + std::to_string(::getpid())), std::string::npos)
        << message;
  }
  EXPECT_EQ(read(dir / ".lock"), "");  // released: it names no one
  const DirectoryLock again(dir.path(), "--out");
}

}  // namespace
}  // namespace valley
