// The result files of a study or an exploration in its --out folder, committed as one set: a
// manifest (manifest.json: the kind of study and each file's size and CRC-32) is removed before the
// files are replaced and written again only after the last one is in place, so a folder whose
// manifest is present and matches holds one complete, consistent set (docs/reliability.md,
// "Outputs are written whole or not at all").
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace lvsim {

/// The result files one command writes into one folder.
class StudyOutputSet {
 public:
  /// `kind`: "sweep" or "explore"; `names`: the files, relative to `dir`.
  StudyOutputSet(std::string dir, std::string kind, std::vector<std::string> names);

  /// Before any work: ConfigError naming --out if `dir` holds another kind of study's results, or
  /// if any file of the set (or the manifest) could not be replaced: a directory, link, FIFO or
  /// device in its place, or a folder that cannot be written. A missing `dir` is checked by its
  /// nearest existing parent (it is created by commit()). Removes staging files a killed run left.
  void check() const;
  /// Writes the set: stages every file (written and synced beside its target), removes the
  /// manifest, renames the files into place, writes the manifest last. `files`: (name, content)
  /// for each name given to the constructor, in any order.
  void commit(const std::vector<std::pair<std::string, std::string>>& files) const;

  static constexpr const char* kManifest = "manifest.json";

 private:
  std::string dir_, kind_;
  std::vector<std::string> names_;
};

/// The kind of study whose results `dir` holds ("sweep", "explore"), from its manifest or, for a
/// folder written before manifests, from the files only one kind writes; "" if none.
std::string study_kind_of_folder(const std::string& dir);

}  // namespace lvsim
