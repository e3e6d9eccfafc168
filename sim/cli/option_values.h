// The command line's checks of option values, in one place for both front ends: sim/cli/main.cpp's
// parser validates the text of an option with them, and the Python API passes its arguments to
// the same functions (python/lvsim_module.cpp), so one mistake gets one message.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lvsim {

/// "" when `text` is a positive integer (decimal digits, at most 2^63 - 1), else what is wrong
/// ("must be a positive integer, got \"TEXT\"").
std::string positive_integer_problem(const std::string& text);

/// "" when `text` is a seed (decimal digits, at most 2^64 - 1), else what is wrong.
std::string seed_problem(const std::string& text);

/// The value of a positive-integer option; ConfigError "command line: OPTION: ..." otherwise.
int64_t parse_positive_integer(const std::string& text, const std::string& option);

/// The value of a seed option; ConfigError "command line: OPTION: ..." otherwise.
uint64_t parse_seed_option(const std::string& text, const std::string& option);

/// ConfigError "command line: OPTION: ..." for a path no file can have: empty (when required) or
/// holding a NUL character (the C library would read only the part before it).
void check_path_option(const std::string& path, const std::string& option, bool required);

/// Voltages (or rates) of a list option as sweep reads them (FROM:TO:STEP or a,b,c; no empty item),
/// for `chip --voltages` and the Python API's lists: ConfigError "command line: OPTION: ...".
std::vector<double> parse_voltage_list(const std::string& text, const std::string& option);

}  // namespace lvsim
