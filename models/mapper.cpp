#include "models/mapper.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "common/errors.h"
#include "models/timing_model.h"

namespace lvsim {

const char* mapping_objective_name(MappingObjective o) {
  switch (o) {
    case MappingObjective::Cycles:
      return "cycles";
    case MappingObjective::Energy:
      return "energy";
    case MappingObjective::Edp:
      return "edp";
  }
  return "?";
}

DataflowChoice choose_dataflow_with_cycles(const ArchitectureParams& arch, const Network& net, int layer,
                                           MappingObjective objective) {
  if (objective != MappingObjective::Cycles)
    throw ConfigError(std::string("mapper: objective '") + mapping_objective_name(objective) +
                      "' is not implemented yet (only 'cycles')");
  std::vector<Dataflow> candidates = arch.supported_dataflows;
  if (candidates.empty()) candidates.push_back(arch.dataflow);
  std::sort(candidates.begin(), candidates.end());  // enum order WS < OS < IS: the tie order
  ArchitectureParams a = arch;
  a.layer_dataflows.clear();
  Dataflow best = candidates.front();
  int64_t best_cycles = std::numeric_limits<int64_t>::max();
  for (Dataflow d : candidates) {
    a.dataflow = d;
    const int64_t c = layer_timing(a, net, layer).cycles;
    if (c < best_cycles) best = d, best_cycles = c;  // strict: an equal later candidate does not win
  }
  return {best, best_cycles};
}

Dataflow choose_dataflow(const ArchitectureParams& arch, const Network& net, int layer, MappingObjective objective) {
  return choose_dataflow_with_cycles(arch, net, layer, objective).dataflow;
}

}  // namespace lvsim
