// The per-layer mapper: which of the dataflows an architecture supports a layer runs in
// (docs/validation.md "The mapper's choice"). The choice is made on the closed form
// (models/timing_model.h), so it costs one layer_timing per candidate.
#pragma once

#include <cstdint>
#include <string>

#include "models/architecture.h"
#include "workloads/network/network.h"

namespace lvsim {

/// What the mapper minimizes. Only `Cycles` is implemented; the others are refused (ConfigError).
enum class MappingObjective { Cycles, Energy, Edp };

const char* mapping_objective_name(MappingObjective o);

/// The dataflow among `arch.supported_dataflows` (empty: just `arch.dataflow`) that minimizes
/// `objective` for layer `layer` of `net`, by the closed form's cycles (layer_timing(...).cycles:
/// stalls, array and post-processing). Ties go to the first in the order WS < OS < IS, whatever
/// the order of the candidate list. ConfigError for an objective other than Cycles.
Dataflow choose_dataflow(const ArchitectureParams& arch, const Network& net, int layer, MappingObjective objective);

/// The mapper's choice and the closed-form cycles of the layer in it.
struct DataflowChoice {
  Dataflow dataflow = Dataflow::WeightStationary;
  int64_t cycles = 0;
};
/// choose_dataflow with the chosen dataflow's cycles (no second layer_timing for callers that need them).
DataflowChoice choose_dataflow_with_cycles(const ArchitectureParams& arch, const Network& net, int layer,
                                           MappingObjective objective);

}  // namespace lvsim
