// Reading an input file whole, safely: only regular files (a FIFO would block forever, a device
// like /dev/zero would never end, a directory reads as garbage), and only up to a size limit
// checked before anything is allocated.
#pragma once

#include <cstdint>
#include <string>

namespace lvsim {

/// Limits of the files lvsim reads whole (docs/reliability notes in docs/model-format.md).
inline constexpr int64_t kMaxConfigFileBytes = int64_t(256) << 20;  // architecture, technology, study, fault map
inline constexpr int64_t kMaxModelFileBytes = int64_t(4) << 30;     // network JSON, ONNX

/// The bytes of `path`. ConfigError naming the file if it is missing, not a regular file, or
/// larger than max_bytes.
std::string read_input_file(const std::string& path, int64_t max_bytes);

/// A path given inside `file` (a study or exploration file): relative paths are taken from the
/// file's folder; empty and absolute paths are returned as they are.
std::string path_relative_to_file(const std::string& p, const std::string& file);

}  // namespace lvsim
