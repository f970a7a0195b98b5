// Whole-file writes that never leave a half-written file behind: the text goes
// to a temporary name in the same directory, is flushed to disk, and is then
// renamed over the destination (rename is atomic on POSIX file systems).
// Only a regular file is ever replaced: a directory, FIFO, device or socket
// at `path` fails (core/files.h, output_target), and a symbolic link is
// written through to the regular file it names, the link left as it is.
#pragma once

#include <filesystem>
#include <string_view>

namespace valley {

void write_file_atomically(const std::filesystem::path& path, std::string_view contents);

}  // namespace valley
