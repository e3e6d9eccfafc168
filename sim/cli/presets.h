// Architecture and technology for a command: the given file, or the built-in preset (compiled in
// from presets/ so the binary runs from any directory).
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "energy/technology.h"
#include "models/architecture.h"

namespace lvsim {

/// The architecture file's JSON at `path`, or the built-in preset's (to be edited and read with
/// architecture_from_json, as an exploration does), with the name messages use for it.
nlohmann::json architecture_json(const std::string& path, std::string* origin = nullptr);
/// Reads an architecture object that came from `origin`.
ArchitectureParams architecture_from_json(const nlohmann::json& j, const std::string& origin);
/// The architecture file at `path`, or presets/arch/edge-16x16.json when `path` is empty.
ArchitectureParams load_architecture(const std::string& path);
/// The technology file at `path`, or presets/tech/45nm.json when `path` is empty.
TechnologyParams load_technology(const std::string& path);
/// The name messages use for the technology's file.
std::string technology_origin(const std::string& path);

}  // namespace lvsim
