// Strict, located reading of JSON configuration files.
//
// Every params struct's from_json reads through a JsonObject: it knows the file and the path of
// the object ("layers[3].weight"), so every error names both, and finish() rejects keys that were
// never read — a misspelt key is an error, never a silently ignored default.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/errors.h"

namespace lvsim {

/// Parses a whole JSON file; FormatError with the byte position on syntax errors.
nlohmann::json parse_json_file(const std::string& path);
/// Parses JSON text that came from `origin` (a file name used in messages). When `text` is an
/// edited copy of the file, `file_byte` maps a 1-based byte position in `text` to the file's.
nlohmann::json parse_json_text(const std::string& text, const std::string& origin,
                               const std::function<size_t(size_t)>& file_byte = {});

/// A view of one JSON object in a file, with located accessors and unknown-key rejection.
class JsonObject {
 public:
  JsonObject(const nlohmann::json& j, std::string file, std::string path);

  const std::string& file() const { return file_; }
  const std::string& path() const { return path_; }
  std::string field(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

  bool has(const std::string& key) const;
  /// The raw value (marks the key as read); ConfigError if missing.
  const nlohmann::json& at(const std::string& key);
  /// Marks the key read and returns it if present.
  const nlohmann::json* find(const std::string& key);

  std::string get_string(const std::string& key);
  std::string get_string(const std::string& key, const std::string& fallback);
  /// One of `allowed`; the error lists them.
  std::string get_enum(const std::string& key, const std::vector<std::string>& allowed);
  std::string get_enum(const std::string& key, const std::vector<std::string>& allowed, const std::string& fallback);
  int64_t get_int(const std::string& key, int64_t min, int64_t max);
  int64_t get_int(const std::string& key, int64_t min, int64_t max, int64_t fallback);
  /// A finite number in [min, max].
  double get_double(const std::string& key, double min, double max);
  double get_double(const std::string& key, double min, double max, double fallback);
  bool get_bool(const std::string& key);
  bool get_bool(const std::string& key, bool fallback);
  /// An array of exactly n integers in [min, max] (n = 0: any length >= 1).
  std::vector<int64_t> get_int_array(const std::string& key, size_t n, int64_t min, int64_t max);
  std::vector<double> get_double_array(const std::string& key, double min, double max);
  /// A nested object, located at path.key.
  JsonObject get_object(const std::string& key);

  /// ConfigError naming the first key of the object that no accessor read.
  void finish() const;

  /// An error located at this object's key.
  [[noreturn]] void fail(const std::string& key, const std::string& what) const;

 private:
  const nlohmann::json& j_;
  std::string file_;
  std::string path_;
  std::set<std::string> read_;
};

}  // namespace lvsim
