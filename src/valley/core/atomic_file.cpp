#include "valley/core/atomic_file.h"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "valley/core/error.h"
#include "valley/core/files.h"

namespace valley {

void write_file_atomically(const std::filesystem::path& named, std::string_view contents) {
  // Only a regular file (or nothing) is replaced; a symbolic link is written
  // through, to the file it names.
  const std::filesystem::path path = output_target(named);
  const std::filesystem::path tmp = path.string() + ".tmp";
  // Not through a link, and not blocking on a FIFO left under the temporary
  // name: the temporary file must be a regular file of valley's own.
  const int fd =
      ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644);
  if (fd < 0) fail("{}: cannot write: {}", named.string(), std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    fail("{}: cannot write: {} is not a regular file", named.string(), tmp.string());
  }
  std::size_t written = 0;
  while (written < contents.size()) {
    const ssize_t n = ::write(fd, contents.data() + written, contents.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      fail("{}: cannot write: {}", named.string(), std::strerror(err));
    }
    written += static_cast<std::size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  int err = errno;
  const bool closed = ::close(fd) == 0;
  if (synced && !closed) err = errno;
  if (!synced || !closed) {
    ::unlink(tmp.c_str());
    fail("{}: cannot write: {}", named.string(), std::strerror(err));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    fail("{}: cannot write: {}", named.string(), std::strerror(err));
  }
  // The rename lives in the directory: sync it too, so that after a power
  // loss the file is the new one or the old one, not missing. (Some file
  // systems cannot open or sync a directory; the rename itself has happened,
  // so that is not an error.)
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
}

}  // namespace valley
