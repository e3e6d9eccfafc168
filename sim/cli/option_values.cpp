#include "sim/cli/option_values.h"

#include <cstdlib>

#include "common/errors.h"
#include "sim/study/study_spec.h"

namespace lvsim {

namespace {

// Decimal digits only, no sign or blank, and the value at most `max` (false on overflow).
bool digits_at_most(const std::string& s, uint64_t max) {
  if (s.empty() || s.size() > 20 || s.find_first_not_of("0123456789") != std::string::npos) return false;
  uint64_t v = 0;
  for (char c : s) {
    const uint64_t d = uint64_t(c - '0');
    if (v > (max - d) / 10) return false;
    v = v * 10 + d;
  }
  return true;
}

}  // namespace

std::string positive_integer_problem(const std::string& text) {
  if (digits_at_most(text, uint64_t(INT64_MAX)) && std::strtoll(text.c_str(), nullptr, 10) >= 1) return "";
  return "must be a positive integer (at most 9223372036854775807), got \"" + text + "\"";
}

std::string seed_problem(const std::string& text) {
  if (digits_at_most(text, UINT64_MAX)) return "";
  return "must be an integer in [0, 18446744073709551615], got \"" + text + "\"";
}

int64_t parse_positive_integer(const std::string& text, const std::string& option) {
  const std::string problem = positive_integer_problem(text);
  if (!problem.empty()) throw ConfigError("command line: " + option + ": " + problem);
  return std::strtoll(text.c_str(), nullptr, 10);
}

uint64_t parse_seed_option(const std::string& text, const std::string& option) {
  const std::string problem = seed_problem(text);
  if (!problem.empty()) throw ConfigError("command line: " + option + ": " + problem);
  return std::strtoull(text.c_str(), nullptr, 10);
}

void check_path_option(const std::string& path, const std::string& option, bool required) {
  if (path.find('\0') != std::string::npos)
    throw ConfigError("command line: " + option + ": the path holds a NUL character (no file has such a name)");
  if (required && path.empty()) throw ConfigError("command line: " + option + ": a path is required");
}

std::vector<double> parse_voltage_list(const std::string& text, const std::string& option) {
  return parse_value_list(text, "command line: " + option);
}

}  // namespace lvsim
