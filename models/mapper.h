// The per-layer mapper: which of the dataflows an architecture supports a layer runs in
// (docs/timing-model.md "Per-layer mapping"). The choice is made on the closed form
// (models/timing_model.h), so it costs one layer_timing per candidate.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "energy/energy_model.h"
#include "energy/technology.h"
#include "models/architecture.h"
#include "workloads/network/network.h"

namespace lvsim {

/// The mapper's choice for one layer, with the closed form's figures in it.
struct DataflowChoice {
  Dataflow dataflow = Dataflow::WeightStationary;
  int64_t cycles = 0;    // layer_timing(...).cycles: stalls, array and post-processing
  double energy_pj = 0;  // its energy at the nominal operating point (0 when no model was given)
  double objective = 0;  // what was minimized: cycles, energy_pj or energy_pj * cycles
};

/// The dataflow among `arch.supported_dataflows` (empty: just `arch.dataflow`) that minimizes
/// `objective` for layer `layer` of `net`, among those the architecture can run it in (streamed
/// weights: the dataflow's streaming unit fits the weight SRAM; ConfigError of the first candidate
/// when none can). Cycles: the closed form's cycles; Energy: its action
/// counts costed by `energy` at the technology's nominal voltages and the architecture's clock
/// (leakage over the layer's cycles included); Edp: energy x cycles. Ties go to the first in the
/// order WS < OS < IS, whatever the order of the candidate list. ConfigError when an energy
/// objective is asked for without an energy model.
DataflowChoice choose_dataflow_with_cycles(const ArchitectureParams& arch, const Network& net, int layer,
                                           MappingObjective objective, const EnergyModel* energy = nullptr);
Dataflow choose_dataflow(const ArchitectureParams& arch, const Network& net, int layer, MappingObjective objective,
                         const EnergyModel* energy = nullptr);

/// `arch` with `layer_dataflows` chosen for every layer of `net` by `arch.mapping_objective` when
/// the array supports more than one dataflow (arch.maps_layers()); `arch` unchanged otherwise.
/// `tech` is needed (ConfigError without it) for the energy objectives.
ArchitectureParams map_layers(const ArchitectureParams& arch, const Network& net, const TechnologyParams* tech);

/// How a run reports its array's mapping (the one wording of text, JSON and compute report): the
/// dataflow's name, or "per_layer" with the mapper's objective and the dataflows it chose among.
struct MappingDescription {
  std::string dataflow;                // dataflow_name(arch.dataflow), or "per_layer"
  std::string objective;               // mapping_objective_name (empty: one dataflow)
  std::vector<std::string> dataflows;  // the supported dataflows' names (empty: one dataflow)

  bool mapped() const { return !objective.empty(); }
  /// The hardware line's wording: the dataflow, or "per-layer dataflow (mapper, objective X: a b)".
  std::string text() const;
};
MappingDescription describe_mapping(const ArchitectureParams& arch);

}  // namespace lvsim
