// Atomic result files: a report or study result is either complete on disk or absent.
#pragma once

#include <string>

namespace lvsim {

/// Writes `content` to `path` via a temporary file in the same directory and rename(), so a
/// crash or error never leaves a partial file. ConfigError if the directory is not writable, or if
/// `path` exists and is not a regular file (a symlink, device or FIFO is never replaced).
void write_file_atomically(const std::string& path, const std::string& content);
/// Writes all of `content` to the file descriptor (retrying short writes); false on any error.
bool write_all(int fd, const std::string& content);
/// fsyncs the directory holding `path` (makes a rename or a new file durable); best effort.
void sync_directory_of(const std::string& path);

}  // namespace lvsim
