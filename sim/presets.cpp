#include "sim/presets.h"

#include "common/json_reader.h"
#include "sim/builtin_presets.h"

namespace lvsim {

ArchitectureParams load_architecture(const std::string& path) {
  if (!path.empty()) return ArchitectureParams::from_json_file(path);
  const nlohmann::json j = parse_json_text(kDefaultArchitectureJson, kDefaultArchitectureName);
  JsonObject o(j, kDefaultArchitectureName, "");
  ArchitectureParams arch = ArchitectureParams::from_json(o);
  arch.source_file = kDefaultArchitectureName;
  return arch;
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
