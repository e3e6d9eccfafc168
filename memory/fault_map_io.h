// Reading and writing fault-map files ("lvsim-fault-map" version 1, docs/fault-maps.md).
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "memory/profiled_fault_map.h"

namespace lvsim {

/// Reads and validates a fault-map file. FormatError (not a fault map, malformed cells, indices
/// out of range, duplicates) or ConfigError (missing/unknown keys, bad geometry), naming the file
/// and the field.
ProfiledFaultMap read_fault_map(const std::string& path);
/// Cells' failure voltages lie in (0, kMaxFailureVoltageV] (docs/reliability.md).
inline constexpr double kMaxFailureVoltageV = 5.0;
/// The same from parsed JSON; `origin` names the source in errors.
ProfiledFaultMap fault_map_from_json(const nlohmann::json& j, const std::string& origin);

/// The file's JSON; `source` is free provenance text (may be empty).
nlohmann::json fault_map_to_json(const ProfiledFaultMap& map, const std::string& source);
/// Writes the file with one cell per line; ConfigError if it cannot be written.
void write_fault_map(const ProfiledFaultMap& map, const std::string& path, const std::string& source);

}  // namespace lvsim
