// Atomic result files: a report or study result is either complete on disk or absent.
#pragma once

#include <string>
#include <vector>

namespace lvsim {

/// Writes `content` to `path` via a temporary file in the same directory and rename(), so a
/// crash or error never leaves a partial file. ConfigError if the directory is not writable, or if
/// `path` exists and is not a regular file (a symlink, device or FIFO is never replaced).
void write_file_atomically(const std::string& path, const std::string& content);
/// Writes all of `content` to the file descriptor (retrying short writes); false on any error.
bool write_all(int fd, const std::string& content);
/// fsyncs the directory holding `path` (makes a rename or a new file durable); best effort.
void sync_directory_of(const std::string& path);

/// ConfigError naming `option` (or the path) unless `path` can be written later: its directory
/// exists and is writable, and `path` is absent or a regular file (never a link, device, FIFO or
/// directory, which a rename would replace).
void check_output_location(const std::string& path, const std::string& option);

/// An input a command reads, for check_output_not_input: its path and what it is ("the model file").
struct NamedInput {
  std::string path;
  std::string what;
};

/// ConfigError "option: PATH is WHAT being read (an output must not replace an input)" when
/// `output` exists and is one of `inputs` by identity (same device and inode: another name or a
/// link to the file counts), or is a file inside an input that is a directory (a data set folder).
/// Empty input paths are skipped.
void check_output_not_input(const std::string& output, const std::string& option,
                            const std::vector<NamedInput>& inputs);

/// The result files of one command, written together at its end: each is staged in a temporary
/// file beside its target (locations checked when staged, so before the work that fills them) and
/// commit() renames them all into place. A command that fails before commit() leaves none of them
/// behind: the destructor removes whatever was staged and not committed.
class StagedOutputs {
 public:
  StagedOutputs() = default;
  StagedOutputs(const StagedOutputs&) = delete;
  StagedOutputs& operator=(const StagedOutputs&) = delete;
  ~StagedOutputs();

  /// Reserves `path` for a producer that writes the file itself (SystemC's VCD writer): returns the
  /// temporary path to write, ending in `suffix`. Checks the location first (`option` in errors).
  std::string reserve(const std::string& path, const std::string& option, const std::string& suffix = "");
  /// Stages `content` for `path`: written and synced to its temporary file now.
  void stage(const std::string& path, const std::string& content, const std::string& option);
  /// Renames every staged file onto its target, in order. On a failure, ConfigError; the files not
  /// yet renamed are removed.
  void commit();

 private:
  struct Entry {
    std::string target, tmp;
  };
  std::vector<Entry> entries_;
};

}  // namespace lvsim
