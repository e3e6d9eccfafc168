#include "common/json_reader.h"

#include "common/number_text.h"

#include "common/input_file.h"

#include <cmath>
#include <fstream>
#include <set>
#include <sstream>
#include <vector>

namespace lvsim {

nlohmann::json parse_json_file(const std::string& path) {
  return parse_json_text(read_input_file(path, kMaxConfigFileBytes), path);
}

nlohmann::json parse_json_text(const std::string& text, const std::string& origin,
                               const std::function<size_t(size_t)>& file_byte) {
  // A key given twice in one object is an error: nlohmann keeps the last silently, and a config
  // whose second "rows" overrides the first is a wrong result nobody notices. The parser callback
  // sees every key with its object depth.
  std::vector<std::set<std::string>> keys;
  std::string duplicate;
  const nlohmann::json::parser_callback_t check = [&](int depth, nlohmann::json::parse_event_t event,
                                                      nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    if (event == E::object_start) {
      keys.resize(size_t(depth) + 1);
      keys[size_t(depth)].clear();
    } else if (event == E::key && duplicate.empty() && depth >= 1 && size_t(depth) <= keys.size()) {
      if (!keys[size_t(depth) - 1].insert(parsed.get<std::string>()).second) duplicate = parsed.get<std::string>();
    }
    return true;
  };
  try {
    nlohmann::json j = nlohmann::json::parse(text, check);
    if (!duplicate.empty()) throw FormatError(located(origin, duplicate, "key given twice in one object"));
    return j;
  } catch (const nlohmann::json::parse_error& e) {
    const size_t byte = file_byte ? file_byte(e.byte) : e.byte;
    throw FormatError(located(origin, "", "malformed JSON at byte " + std::to_string(byte)));
  } catch (const nlohmann::json::out_of_range&) {
    // nlohmann rejects numbers beyond double range (1e999) while parsing, without a position.
    throw FormatError(located(origin, "", "a number in the file is out of range (e.g. 1e999): not a finite value"));
  }
}

JsonObject::JsonObject(const nlohmann::json& j, std::string file, std::string path)
    : j_(j), file_(std::move(file)), path_(std::move(path)) {
  if (!j_.is_object()) throw ConfigError(located(file_, path_.empty() ? "(top level)" : path_, "expected an object"));
}

bool JsonObject::has(const std::string& key) const {
  return j_.contains(key);
}

void JsonObject::fail(const std::string& key, const std::string& what) const {
  throw ConfigError(located(file_, field(key), what));
}

const nlohmann::json& JsonObject::at(const std::string& key) {
  auto it = j_.find(key);
  if (it == j_.end()) fail(key, "missing required field");
  read_.insert(key);
  return *it;
}

const nlohmann::json* JsonObject::find(const std::string& key) {
  auto it = j_.find(key);
  if (it == j_.end()) return nullptr;
  read_.insert(key);
  return &*it;
}

std::string JsonObject::get_string(const std::string& key) {
  const auto& v = at(key);
  if (!v.is_string()) fail(key, "expected a string");
  return v.get<std::string>();
}

std::string JsonObject::get_string(const std::string& key, const std::string& fallback) {
  return has(key) ? get_string(key) : fallback;
}

std::string JsonObject::get_enum(const std::string& key, const std::vector<std::string>& allowed) {
  std::string s = get_string(key);
  for (const auto& a : allowed)
    if (a == s) return s;
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  fail(key, "unknown value \"" + s + "\" (expected one of: " + list + ")");
}

std::string JsonObject::get_enum(const std::string& key, const std::vector<std::string>& allowed,
                                 const std::string& fallback) {
  return has(key) ? get_enum(key, allowed) : fallback;
}

int64_t JsonObject::get_int(const std::string& key, int64_t min, int64_t max) {
  const auto& v = at(key);
  if (!v.is_number_integer()) fail(key, "expected an integer");
  // Above INT64_MAX the value is out of every range; the message prints it as written (v.dump()).
  const bool huge = v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(INT64_MAX);
  const int64_t x = huge ? 0 : v.get<int64_t>();
  if (huge || x < min || x > max)
    fail(key, "value " + v.dump() + " out of range [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  return x;
}

int64_t JsonObject::get_int(const std::string& key, int64_t min, int64_t max, int64_t fallback) {
  return has(key) ? get_int(key, min, max) : fallback;
}

double JsonObject::get_double(const std::string& key, double min, double max) {
  const auto& v = at(key);
  if (!v.is_number()) fail(key, "expected a number");
  double x = v.get<double>();
  if (!std::isfinite(x)) fail(key, "not a finite number");
  if (x < min || x > max)
    fail(key, "value " + number_text(x) + " out of range [" + number_text(min) + ", " + number_text(max) + "]");
  return x;
}

double JsonObject::get_double(const std::string& key, double min, double max, double fallback) {
  return has(key) ? get_double(key, min, max) : fallback;
}

bool JsonObject::get_bool(const std::string& key) {
  const auto& v = at(key);
  if (!v.is_boolean()) fail(key, "expected true or false");
  return v.get<bool>();
}

bool JsonObject::get_bool(const std::string& key, bool fallback) {
  return has(key) ? get_bool(key) : fallback;
}

std::vector<int64_t> JsonObject::get_int_array(const std::string& key, size_t n, int64_t min, int64_t max) {
  const auto& v = at(key);
  if (!v.is_array() || (n != 0 && v.size() != n) || v.empty())
    fail(key, n ? "expected an array of " + std::to_string(n) + " integers" : "expected a non-empty array of integers");
  std::vector<int64_t> out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_number_integer()) fail(key + "[" + std::to_string(i) + "]", "expected an integer");
    const bool huge = v[i].is_number_unsigned() && v[i].get<uint64_t>() > uint64_t(INT64_MAX);
    const int64_t x = huge ? 0 : v[i].get<int64_t>();
    if (huge || x < min || x > max)
      fail(key + "[" + std::to_string(i) + "]",
           "value " + v[i].dump() + " out of range [" + std::to_string(min) + ", " + std::to_string(max) + "]");
    out.push_back(x);
  }
  return out;
}

std::vector<double> JsonObject::get_double_array(const std::string& key, double min, double max) {
  const auto& v = at(key);
  if (!v.is_array() || v.empty()) fail(key, "expected a non-empty array of numbers");
  std::vector<double> out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_number()) fail(key + "[" + std::to_string(i) + "]", "expected a number");
    double x = v[i].get<double>();
    if (!std::isfinite(x) || x < min || x > max)
      fail(key + "[" + std::to_string(i) + "]",
           "value " + number_text(x) + " out of range [" + number_text(min) + ", " + number_text(max) + "]");
    out.push_back(x);
  }
  return out;
}

JsonObject JsonObject::get_object(const std::string& key) {
  const auto& v = at(key);
  if (!v.is_object()) fail(key, "expected an object");
  return JsonObject(v, file_, field(key));
}

void JsonObject::finish() const {
  for (auto it = j_.begin(); it != j_.end(); ++it)
    if (!read_.count(it.key())) fail(it.key(), "unknown key");
}

}  // namespace lvsim
