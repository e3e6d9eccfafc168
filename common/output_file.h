// Atomic result files: a report or study result is either complete on disk or absent.
#pragma once

#include <string>

namespace lvsim {

/// Writes `content` to `path` via a temporary file in the same directory and rename(), so a
/// crash or error never leaves a partial file. ConfigError if the directory is not writable.
void write_file_atomically(const std::string& path, const std::string& content);

}  // namespace lvsim
