// Action counts as JSON (the `action_counts` object of reports), so users can apply their own
// energy table and lvsim can re-cost a saved run without re-simulating.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "energy/action_counts.h"

namespace lvsim {

/// Object with the ActionCounts field names; macs_by_weight_bits is {"2": n, ..., "8": n}, plus
/// "macs" (the total, informative).
nlohmann::json action_counts_to_json(const ActionCounts& c);

/// Inverse of action_counts_to_json (the informative "macs" is checked against the sum).
/// ConfigError naming `file`/`path` on unknown keys, negative or missing counts.
ActionCounts action_counts_from_json(const nlohmann::json& j, const std::string& file, const std::string& path);

}  // namespace lvsim
