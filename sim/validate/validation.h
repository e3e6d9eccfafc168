// `lvsim validate`: every published reference lvsim is held against, replayed (docs/validation.md).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/validate/validation_check.h"

namespace lvsim {

/// The reference families, in the order they run and print.
std::vector<std::string> validation_references();

/// Runs the checks of every reference, or only of `only` (one of validation_references(); else
/// ConfigError naming --only). Errors of a data file propagate (FormatError naming it).
std::vector<ValidationCheck> run_validation(const ValidationPaths& paths, const std::string& only = "");

/// One line per check: reference, compared, expected, simulated, error, tolerance, PASS/FAIL.
std::string validation_text(const std::vector<ValidationCheck>& checks);
/// {"checks": [...], "passed": n, "failed": n, "all_pass": bool}.
nlohmann::json validation_json(const std::vector<ValidationCheck>& checks);

}  // namespace lvsim
