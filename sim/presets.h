// Architecture and technology for a command: the given file, or the built-in preset (compiled in
// from presets/ so the binary runs from any directory).
#pragma once

#include <string>

#include "energy/technology.h"
#include "models/architecture.h"

namespace lvsim {

/// The architecture file at `path`, or presets/arch/edge-16x16.json when `path` is empty.
ArchitectureParams load_architecture(const std::string& path);
/// The technology file at `path`, or presets/tech/45nm.json when `path` is empty.
TechnologyParams load_technology(const std::string& path);
/// The name messages use for the technology's file.
std::string technology_origin(const std::string& path);

}  // namespace lvsim
