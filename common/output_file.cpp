#include "common/output_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
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

namespace {

/// ConfigError unless `path` is absent or a regular file: the rename that writes results would
/// replace whatever sits there, and a device (/dev/null), a FIFO or a symlink would silently
/// become a regular file.
void check_replaceable(const std::string& path) {
  std::error_code ec;
  const std::filesystem::file_status st = std::filesystem::symlink_status(path, ec);
  if (!ec && std::filesystem::exists(st) && !std::filesystem::is_regular_file(st))
    throw ConfigError(located(path, "",
                              "exists and is not a regular file (a link, device, FIFO or directory): "
                              "lvsim replaces only regular files"));
}

/// Writes and fsyncs `content` into a new file `tmp`; false on any error (nothing left behind),
/// with the system's reason in `why`.
bool write_synced(const std::string& tmp, const std::string& content, std::string& why) {
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    why = std::strerror(errno);
    return false;
  }
  const bool ok = write_all(fd, content) && ::fsync(fd) == 0;
  if (!ok) why = std::strerror(errno);
  ::close(fd);
  if (!ok) std::remove(tmp.c_str());
  return ok;
}

}  // namespace

void check_output_location(const std::string& path, const std::string& option) {
  const std::string who = option.empty() ? path : option;
  if (path.empty()) throw ConfigError(located(who, "", "empty path"));
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  if (!std::filesystem::is_directory(dir) || ::access(dir.c_str(), W_OK) != 0)
    throw ConfigError(located(who, "", "cannot write into directory " + dir + " (missing or not writable)"));
  try {
    check_replaceable(path);
  } catch (const ConfigError& e) {
    if (option.empty()) throw;
    throw ConfigError(located(option, "", e.what()));
  }
}

void check_output_not_input(const std::string& output, const std::string& option,
                            const std::vector<NamedInput>& inputs) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (output.empty() || !fs::exists(output, ec)) return;  // a new file replaces nothing
  fs::path parent = fs::path(output).parent_path();
  if (parent.empty()) parent = ".";
  for (const NamedInput& in : inputs) {
    if (in.path.empty() || !fs::exists(in.path, ec)) continue;
    const bool same = fs::equivalent(output, in.path, ec);
    const bool inside = !same && fs::is_directory(in.path, ec) && fs::equivalent(parent, in.path, ec);
    if (same || inside)
      throw ConfigError(located(option, "",
                                output + " is " + (inside ? "a file of " : "") + in.what +
                                    " being read (an output must not replace an input)"));
  }
}

StagedOutputs::~StagedOutputs() {
  for (const Entry& e : entries_) std::remove(e.tmp.c_str());
}

std::string StagedOutputs::reserve(const std::string& path, const std::string& option, const std::string& suffix) {
  check_output_location(path, option);
  const std::filesystem::path p(path);
  const std::string tmp = (p.parent_path() / ("." + p.filename().string() + ".tmp." + std::to_string(::getpid()) + "." +
                                              std::to_string(entries_.size()) + suffix))
                              .string();
  entries_.push_back({path, tmp});
  return tmp;
}

void StagedOutputs::stage(const std::string& path, const std::string& content, const std::string& option) {
  const std::string tmp = reserve(path, option);
  std::string why;
  if (!write_synced(tmp, content, why)) throw ConfigError(located(path, "", "cannot write file (" + why + ")"));
}

void StagedOutputs::commit() {
  for (size_t i = 0; i < entries_.size(); ++i) {
    const Entry& e = entries_[i];
    try {
      check_replaceable(e.target);  // it may have changed since it was staged
    } catch (const ConfigError&) {
      entries_.erase(entries_.begin(), entries_.begin() + std::ptrdiff_t(i));
      throw;
    }
    if (std::rename(e.tmp.c_str(), e.target.c_str()) != 0) {
      entries_.erase(entries_.begin(), entries_.begin() + std::ptrdiff_t(i));
      throw ConfigError(located(e.target, "", "cannot replace file"));
    }
    sync_directory_of(e.target);
  }
  entries_.clear();
}

void write_file_atomically(const std::string& path, const std::string& content) {
  check_replaceable(path);
  // Data synced before the rename, the directory after it: after a crash the file is either the
  // old one or the complete new one.
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  std::string why;
  if (!write_synced(tmp, content, why)) throw ConfigError(located(path, "", "cannot write file (" + why + ")"));
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw ConfigError(located(path, "", "cannot replace file"));
  }
  sync_directory_of(path);
}

}  // namespace lvsim
