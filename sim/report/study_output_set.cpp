#include "sim/report/study_output_set.h"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <stdexcept>

#include <unistd.h>
#include <nlohmann/json.hpp>

#include "common/errors.h"
#include "common/input_file.h"
#include "common/output_file.h"

namespace lvsim {

namespace fs = std::filesystem;

namespace {

constexpr const char* kFormat = "lvsim-outputs";
constexpr int64_t kMaxManifestBytes = int64_t(1) << 20;

std::string crc_hex(const std::string& s) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08lx",
                static_cast<unsigned long>(crc32(0L, reinterpret_cast<const Bytef*>(s.data()), uInt(s.size()))));
  return buf;
}

bool exists_here(const fs::path& p) {
  std::error_code ec;
  return fs::exists(fs::symlink_status(p, ec));
}

/// Removes the temporary files a run killed while writing left beside `target`
/// (".NAME.tmp.*" from StagedOutputs, "NAME.tmp.*" from write_file_atomically).
void remove_leftovers(const fs::path& dir, const std::string& name) {
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
    const std::string f = e.path().filename().string();
    if (f.rfind("." + name + ".tmp.", 0) == 0 || f.rfind(name + ".tmp.", 0) == 0) fs::remove(e.path(), ec);
  }
}

}  // namespace

std::string study_kind_of_folder(const std::string& dir) {
  const fs::path d(dir);
  const fs::path manifest = d / StudyOutputSet::kManifest;
  std::error_code ec;
  if (fs::is_regular_file(fs::symlink_status(manifest, ec))) {
    std::string text;
    try {
      text = read_input_file(manifest.string(), kMaxManifestBytes);
    } catch (const UserError&) {
      return "?";
    }
    const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_object() && j.value("format", "") == kFormat && j.contains("kind") && j["kind"].is_string())
      return j["kind"].get<std::string>();
    return "?";
  }
  if (exists_here(d / "journal.jsonl") || exists_here(d / "summary.json")) return "sweep";
  if (exists_here(d / "layers.csv")) return "explore";
  return "";
}

StudyOutputSet::StudyOutputSet(std::string dir, std::string kind, std::vector<std::string> names)
    : dir_(std::move(dir)), kind_(std::move(kind)), names_(std::move(names)) {}

void StudyOutputSet::check() const {
  std::error_code ec;
  const fs::file_status st = fs::status(dir_, ec);
  if (fs::exists(st)) {
    if (!fs::is_directory(st)) throw ConfigError(located("--out", "", dir_ + " exists and is not a directory"));
    const std::string kind = study_kind_of_folder(dir_);
    if (kind == "?")
      throw ConfigError(
          located("--out", "", dir_ + " holds a " + kManifest + " lvsim did not write; use another --out directory"));
    if (!kind.empty() && kind != kind_)
      throw ConfigError(located("--out", "",
                                dir_ + " holds the results of an lvsim " + kind + ", not of an lvsim " + kind_ +
                                    "; use another --out directory"));
    for (const std::string& n : names_) check_output_location((fs::path(dir_) / n).string(), "--out");
    check_output_location((fs::path(dir_) / kManifest).string(), "--out");
    return;
  }
  // Created when the results are written: its nearest existing parent must let us.
  fs::path parent = fs::absolute(fs::path(dir_), ec).parent_path();
  while (!parent.empty() && !exists_here(parent) && parent != parent.parent_path()) parent = parent.parent_path();
  if (!fs::is_directory(parent, ec) || ::access(parent.c_str(), W_OK) != 0)
    throw ConfigError(located(
        "--out", "", "cannot create directory " + dir_ + " (" + parent.string() + " is not a writable directory)"));
}

void StudyOutputSet::commit(const std::vector<std::pair<std::string, std::string>>& files) const {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec || !fs::is_directory(dir_)) throw ConfigError(located("--out", "", "cannot create directory " + dir_));
  const fs::path dir(dir_);
  for (const std::string& n : names_) remove_leftovers(dir, n);
  remove_leftovers(dir, kManifest);
  nlohmann::ordered_json listed = nlohmann::ordered_json::array();
  StagedOutputs staged;
  for (const std::string& n : names_) {
    const auto it = std::find_if(files.begin(), files.end(), [&](const auto& f) { return f.first == n; });
    if (it == files.end()) throw std::logic_error("StudyOutputSet: no content for " + n);
    staged.stage((dir / n).string(), it->second, "--out");
    listed.push_back({{"name", n}, {"bytes", it->second.size()}, {"crc32", crc_hex(it->second)}});
  }
  // From here until the new manifest is in place the folder has none: a reader (or a run killed
  // meanwhile) sees an unfinished set, never the old manifest over a mixture of old and new files.
  const fs::path manifest = dir / kManifest;
  if (exists_here(manifest) && !fs::remove(manifest, ec))
    throw ConfigError(located(manifest.string(), "", "cannot remove the previous manifest"));
  sync_directory_of(manifest.string());
  staged.commit();
  const nlohmann::ordered_json m = {{"format", kFormat}, {"version", 1}, {"kind", kind_}, {"files", listed}};
  write_file_atomically(manifest.string(), m.dump(1) + "\n");
}

}  // namespace lvsim
