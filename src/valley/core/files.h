// What valley checks before it opens a file, and the lock that makes one
// process the only writer of a directory (docs/RELIABILITY.md, "What valley
// reads, what it writes, what it never replaces").
#pragma once

#include <exception>
#include <filesystem>
#include <string>
#include <string_view>

namespace valley {

// Fails unless `path` names a regular file (a symbolic link is followed):
// "PATH: <missing>", "PATH: too many levels of symbolic links",
// "PATH: is a directory, expected a file", "PATH: is not a regular file" (a
// FIFO, a device: reading one could block forever). Called before any file
// is opened for reading.
void expect_regular_file(const std::filesystem::path& path, std::string_view missing = "file not found");

// The whole of a regular file (after expect_regular_file), as text.
std::string read_text_file(const std::filesystem::path& path, std::string_view missing = "file not found");

// Where a write to `path` lands: `path` itself when nothing or a regular file
// stands there; the file a symbolic link names when it names a regular file
// or nothing in an existing directory. Anything else (a directory, a FIFO, a
// device, a socket, a link into a loop) fails: valley writes a new file in
// place of an old one only where the old one is a regular file.
std::filesystem::path output_target(const std::filesystem::path& path);

// Fails when `path`, an output the user names for `flag`, holds a control
// character (a newline, say): such a name cannot be handed whole to the
// gnuplot scripts valley writes, nor printed on one line.
void expect_printable_path(const std::filesystem::path& path, std::string_view flag);

// Creates `dir` and the directories above it that are missing, for the
// output flag `flag` ("--out"). Fails with the reason: "--out D: exists and is
// not a directory", "--out D: cannot access: Not a directory", "--out D:
// cannot create directory: Permission denied". Returns the topmost directory
// it created, or an empty path when `dir` already existed.
std::filesystem::path make_output_directory(const std::filesystem::path& dir, std::string_view flag);

// Removes the directories make_output_directory created (`top`, empty:
// none) when it is destroyed by an exception (a failed command) or without
// dismiss(), so that a failed command leaves nothing behind.
class CreatedDirectory {
 public:
  CreatedDirectory() = default;
  explicit CreatedDirectory(std::filesystem::path top, bool only_on_failure = false)
      : top_(std::move(top)), only_on_failure_(only_on_failure), exceptions_(std::uncaught_exceptions()) {}
  CreatedDirectory(const CreatedDirectory&) = delete;
  CreatedDirectory& operator=(const CreatedDirectory&) = delete;
  ~CreatedDirectory();
  void dismiss() { top_.clear(); }

 private:
  std::filesystem::path top_;
  bool only_on_failure_ = false;  // true: kept unless an exception unwinds it
  int exceptions_ = 0;
};

// An exclusive flock(2) on DIR/.lock, held until destruction: while one
// valley holds it, a second that asks for it fails with
// "FLAG DIR: in use by another valley (pid N: valley train …)". The holder's
// pid and command line are in the file while it is held; the file is left
// (empty) behind. The lock is advisory (it binds only valley) and is that of
// the host that takes it (flock on NFS may be local to each client).
class DirectoryLock {
 public:
  DirectoryLock() = default;
  DirectoryLock(const std::filesystem::path& dir, std::string_view flag);
  DirectoryLock(DirectoryLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  DirectoryLock& operator=(DirectoryLock&& other) noexcept;
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;
  ~DirectoryLock();

  static constexpr const char* kFileName = ".lock";

 private:
  void release();
  int fd_ = -1;
};

}  // namespace valley
