#include "common/input_file.h"

#include <filesystem>
#include <fstream>

#include "common/errors.h"

namespace lvsim {

std::string read_input_file(const std::string& path, int64_t max_bytes) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) throw Missing<ConfigError>(located(path, "", "cannot open file"));
  if (!fs::is_regular_file(st)) throw ConfigError(located(path, "", "not a regular file"));
  const auto size = fs::file_size(path, ec);
  if (ec) throw ConfigError(located(path, "", "cannot read file"));
  if (int64_t(size) > max_bytes)
    throw ConfigError(located(path, "",
                              "file of " + std::to_string(size >> 20) + " MiB is larger than the limit of " +
                                  std::to_string(max_bytes >> 20) + " MiB"));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(located(path, "", "cannot open file"));
  std::string bytes(size_t(size), '\0');
  if (size > 0 && !in.read(bytes.data(), std::streamsize(size)))
    throw ConfigError(located(path, "", "cannot read file"));
  return bytes;
}

std::string path_relative_to_file(const std::string& p, const std::string& file) {
  if (p.empty() || std::filesystem::path(p).is_absolute()) return p;
  return (std::filesystem::path(file).parent_path() / p).lexically_normal().string();
}

}  // namespace lvsim
