#include "models/mapper.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <vector>

#include "common/errors.h"
#include "energy/operating_point.h"
#include "memory/weight_layout.h"
#include "models/timing_model.h"
#include "models/weight_streaming.h"

namespace lvsim {

DataflowChoice choose_dataflow_with_cycles(const ArchitectureParams& arch, const Network& net, int layer,
                                           MappingObjective objective, const EnergyModel* energy) {
  if (objective != MappingObjective::Cycles && !energy)
    throw ConfigError(std::string("mapper: objective '") + mapping_objective_name(objective) +
                      "' needs the technology's energy model");
  std::vector<Dataflow> candidates = arch.supported_dataflows;
  if (candidates.empty()) candidates.push_back(arch.dataflow);
  std::sort(candidates.begin(), candidates.end());  // enum order WS < OS < IS: the tie order
  std::optional<OperatingPoint> nominal;
  if (energy) {
    const OperatingPoint n = nominal_operating_point(energy->technology());
    nominal = make_operating_point(energy->technology(), n.v_sram_v, n.v_logic_v, ClockMode::kFixed, arch.clock_hz);
  }
  ArchitectureParams a = arch;
  a.layer_dataflows.clear();
  const WeightLayout layout(arch.weight_sram, net);
  DataflowChoice best;
  best.objective = std::numeric_limits<double>::infinity();
  std::optional<ConfigError> refused;  // why the first candidate could not run, if none can
  for (Dataflow d : candidates) {
    a.dataflow = d;
    try {
      plan_weight_stream(a, net, layer, layout);  // streamed weights: the dataflow's unit must fit the SRAM
    } catch (const ConfigError& e) {
      if (!refused) refused = e;
      continue;
    }
    const LayerTiming t = layer_timing(a, net, layer);
    DataflowChoice c{d, t.cycles, energy ? energy->breakdown(t.counts, *nominal).total_pj() : 0.0, 0.0};
    c.objective = objective == MappingObjective::Cycles   ? double(c.cycles)
                  : objective == MappingObjective::Energy ? c.energy_pj
                                                          : c.energy_pj * double(c.cycles);
    if (c.objective < best.objective) best = c;  // strict: an equal later candidate does not win
  }
  if (best.objective == std::numeric_limits<double>::infinity()) throw *refused;
  return best;
}

Dataflow choose_dataflow(const ArchitectureParams& arch, const Network& net, int layer, MappingObjective objective,
                         const EnergyModel* energy) {
  return choose_dataflow_with_cycles(arch, net, layer, objective, energy).dataflow;
}

ArchitectureParams map_layers(const ArchitectureParams& arch, const Network& net, const TechnologyParams* tech) {
  if (!arch.maps_layers()) return arch;
  if (arch.mapping_objective != MappingObjective::Cycles && !tech)
    throw ConfigError(std::string("mapper: objective '") + mapping_objective_name(arch.mapping_objective) +
                      "' needs a technology");
  std::optional<EnergyModel> energy;
  if (tech) energy.emplace(*tech, energy_hardware(arch));
  ArchitectureParams mapped = arch;
  mapped.layer_dataflows.clear();
  for (size_t l = 0; l < net.layers.size(); ++l)
    mapped.layer_dataflows.push_back(
        choose_dataflow(arch, net, int(l), arch.mapping_objective, energy ? &*energy : nullptr));
  return mapped;
}

std::string MappingDescription::text() const {
  if (!mapped()) return dataflow;
  std::string s = "per-layer dataflow (mapper, objective " + objective + ":";
  for (const std::string& d : dataflows) s += " " + d;
  return s + ")";
}

MappingDescription describe_mapping(const ArchitectureParams& arch) {
  if (!arch.maps_layers()) return {dataflow_name(arch.dataflow), {}, {}};
  MappingDescription m{"per_layer", mapping_objective_name(arch.mapping_objective), {}};
  for (Dataflow d : arch.supported_dataflows) m.dataflows.push_back(dataflow_name(d));
  return m;
}

}  // namespace lvsim
