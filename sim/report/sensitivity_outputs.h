// The outputs of `lvsim sensitivity` from a finished map: the JSON document (format
// lvsim-sensitivity), the CSV (one row per scope, the JSON rows' columns) and the terminal table.
// Columns and units: docs/studies.md, "Sensitivity map".
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "sim/study/sensitivity.h"

namespace lvsim {

/// The whole map: what it ran on, then `rows` (members in the documented order).
nlohmann::ordered_json sensitivity_json(const SensitivityMap& m);
/// One line per row of the JSON document's `rows`, the same columns.
std::string sensitivity_csv(const nlohmann::ordered_json& doc);
/// The table `lvsim sensitivity` prints: per scope the faulty bits, accuracy, drop and RErr.
std::string sensitivity_text(const nlohmann::ordered_json& doc);

}  // namespace lvsim
