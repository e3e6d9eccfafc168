#include "sim/cli/presets.h"

#include "common/json_reader.h"
#include "sim/cli/builtin_presets.h"

namespace lvsim {

nlohmann::json architecture_json(const std::string& path, std::string* origin) {
  if (origin) *origin = path.empty() ? std::string(kDefaultArchitectureName) : path;
  return path.empty() ? parse_json_text(kDefaultArchitectureJson, kDefaultArchitectureName) : parse_json_file(path);
}

ArchitectureParams architecture_from_json(const nlohmann::json& j, const std::string& origin) {
  JsonObject o(j, origin, "");
  ArchitectureParams arch = ArchitectureParams::from_json(o);
  arch.source_file = origin;
  return arch;
}

ArchitectureParams load_architecture(const std::string& path) {
  if (!path.empty()) return ArchitectureParams::from_json_file(path);
  return architecture_from_json(architecture_json(path), kDefaultArchitectureName);
}

TechnologyParams load_technology(const std::string& path) {
  if (!path.empty()) return TechnologyParams::from_json_file(path);
  return TechnologyParams::from_json(parse_json_text(kDefaultTechnologyJson, kDefaultTechnologyName),
                                     kDefaultTechnologyName);
}

std::string technology_origin(const std::string& path) {
  return path.empty() ? kDefaultTechnologyName : path;
}

}  // namespace lvsim
