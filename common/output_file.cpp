#include "common/output_file.h"

#include <cstdio>
#include <filesystem>

#include <fcntl.h>
#include <unistd.h>

#include "common/errors.h"

namespace lvsim {

bool write_all(int fd, const std::string& content) {
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) return false;
    done += size_t(n);
  }
  return true;
}

void sync_directory_of(const std::string& path) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;  // best effort: the data itself is already synced
  ::fsync(fd);
  ::close(fd);
}

void write_file_atomically(const std::string& path, const std::string& content) {
  // The rename below would replace whatever sits at `path`: a device (/dev/null), a FIFO or a
  // symlink would silently become a regular file. Only regular files are replaced.
  std::error_code ec;
  const std::filesystem::file_status st = std::filesystem::symlink_status(path, ec);
  if (!ec && std::filesystem::exists(st) && !std::filesystem::is_regular_file(st))
    throw ConfigError(located(path, "",
                              "exists and is not a regular file (a link, device, FIFO or directory): "
                              "lvsim replaces only regular files"));
  // Data synced before the rename, the directory after it: after a crash the file is either the
  // old one or the complete new one.
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw ConfigError(located(path, "", "cannot write file"));
  const bool ok = write_all(fd, content) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) {
    std::remove(tmp.c_str());
    throw ConfigError(located(path, "", "write failed"));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw ConfigError(located(path, "", "cannot replace file"));
  }
  sync_directory_of(path);
}

}  // namespace lvsim
