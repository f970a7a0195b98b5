#include "valley/core/files.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "valley/core/error.h"

namespace valley {
namespace {

// strerror(err), except that the two a user meets most are said as the
// rest of valley's messages say them.
std::string reason(int err) {
  if (err == ELOOP) return "too many levels of symbolic links";
  return std::strerror(err);
}

// "is a directory, expected a file", "is not a regular file (a FIFO)" …, or
// empty for a regular file.
std::string kind_problem(mode_t mode) {
  if (S_ISREG(mode)) return {};
  if (S_ISDIR(mode)) return "is a directory, expected a file";
  if (S_ISFIFO(mode)) return "is not a regular file (a FIFO)";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "is not a regular file (a device)";
  if (S_ISSOCK(mode)) return "is not a regular file (a socket)";
  return "is not a regular file";
}

// The holder a lock file names, made one short line.
std::string read_holder(int fd) {
  char buffer[512];
  const ssize_t n = ::pread(fd, buffer, sizeof buffer - 1, 0);
  std::string text = n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// "pid N: valley train --out D …" for the lock file.
std::string this_process() {
  std::string command;
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::getline(in, command, '\xff');  // the whole file: NUL-separated words
  for (char& c : command)
    if (c == '\0') c = ' ';
  while (!command.empty() && command.back() == ' ') command.pop_back();
  if (command.size() > 300) command = command.substr(0, 300) + "…";
  return "pid " + std::to_string(::getpid()) + (command.empty() ? std::string() : ": " + command);
}

}  // namespace

void expect_regular_file(const std::filesystem::path& path, std::string_view missing) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    if (err == ENOENT) fail("{}: {}", path.string(), missing);
    if (err == ELOOP) fail("{}: {}", path.string(), reason(err));
    fail("{}: cannot access: {}", path.string(), reason(err));
  }
  const std::string problem = kind_problem(st.st_mode);
  if (!problem.empty()) fail("{}: {}", path.string(), problem);
}

std::string read_text_file(const std::filesystem::path& path, std::string_view missing) {
  expect_regular_file(path, missing);
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("{}: cannot open: {}", path.string(), reason(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) fail("{}: cannot read: {}", path.string(), reason(errno));
  return text.str();
}

std::filesystem::path output_target(const std::filesystem::path& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    const int err = errno;
    // Nothing there: the file is created (a missing directory above it is
    // reported by the write itself).
    if (err == ENOENT) return path;
    fail("{}: cannot write: {}", path.string(), reason(err));
  }
  if (S_ISLNK(st.st_mode)) {
    // Written through: the file the link names is replaced, the link stays.
    struct stat target {};
    if (::stat(path.c_str(), &target) != 0) {
      const int err = errno;
      if (err == ENOENT)
        fail("{}: is a symbolic link to nothing; valley writes through a link only to a file", path.string());
      fail("{}: cannot write: {}", path.string(), reason(err));
    }
    const std::string problem = kind_problem(target.st_mode);
    if (!problem.empty())
      fail("{}: a symbolic link to what {}; valley replaces only regular files", path.string(), problem);
    std::error_code ec;
    const std::filesystem::path resolved = std::filesystem::canonical(path, ec);
    if (ec) fail("{}: cannot write: {}", path.string(), ec.message());
    return resolved;
  }
  const std::string problem = kind_problem(st.st_mode);
  if (!problem.empty()) fail("{}: {}; valley replaces only regular files", path.string(), problem);
  return path;
}

void expect_printable_path(const std::filesystem::path& path, std::string_view flag) {
  for (const char c : path.string())
    if (static_cast<unsigned char>(c) < 0x20 || c == '\x7f')
      fail("{} {}: holds a control character (a newline?); name the output without one", flag, path.string());
}

std::filesystem::path make_output_directory(const std::filesystem::path& dir, std::string_view flag) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) fail("{} {}: exists and is not a directory", flag, dir.string());
    return {};
  }
  if (errno != ENOENT) fail("{} {}: cannot access: {}", flag, dir.string(), reason(errno));
  // The topmost directory that is missing: what a failure removes.
  std::filesystem::path top = dir;
  for (std::filesystem::path p = dir; p.has_parent_path() && p.parent_path() != p;) {
    p = p.parent_path();
    if (p.empty() || ::stat(p.c_str(), &st) == 0) break;
    if (errno != ENOENT) fail("{} {}: cannot access: {}", flag, dir.string(), reason(errno));
    top = p;
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) fail("{} {}: cannot create directory: {}", flag, dir.string(), reason(ec.value()));
  return top;
}

CreatedDirectory::~CreatedDirectory() {
  if (top_.empty()) return;
  if (only_on_failure_ && std::uncaught_exceptions() <= exceptions_) return;
  std::error_code ec;
  std::filesystem::remove_all(top_, ec);
}

DirectoryLock::DirectoryLock(const std::filesystem::path& dir, std::string_view flag) {
  const std::filesystem::path file = dir / kFileName;
  fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644);
  if (fd_ < 0) fail("{} {}: cannot open the lock file {}: {}", flag, dir.string(), kFileName, reason(errno));
  struct stat st {};
  if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
    release();
    fail("{} {}: {} is not a regular file", flag, dir.string(), kFileName);
  }
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    const std::string holder = err == EWOULDBLOCK ? read_holder(fd_) : std::string();
    ::close(fd_);
    fd_ = -1;
    if (err != EWOULDBLOCK) fail("{} {}: cannot lock {}: {}", flag, dir.string(), kFileName, reason(err));
    fail("{} {}: in use by another valley ({}); one process writes a directory at a time", flag, dir.string(),
         holder.empty() ? std::string("its lock is held") : holder);
  }
  const std::string me = this_process() + "\n";
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, me.data(), me.size(), 0) != static_cast<ssize_t>(me.size())) {
    // The lock is held all the same; only the note of who holds it is missing.
  }
}

DirectoryLock& DirectoryLock::operator=(DirectoryLock&& other) noexcept {
  if (this != &other) {
    release();
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

DirectoryLock::~DirectoryLock() { release(); }

void DirectoryLock::release() {
  if (fd_ < 0) return;
  // Emptied first: a file that names no one is a lock no one holds.
  if (::ftruncate(fd_, 0) != 0) {
  }
  ::close(fd_);
  fd_ = -1;
}

}  // namespace valley
