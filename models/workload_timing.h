// Timing and action counts of a workload (an lvsim network, or a SCALE-Sim topology whose layers
// run on their own) on one architecture, by the closed form: what `lvsim explore` evaluates per
// design point and `lvsim run --topology` reports.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "energy/action_counts.h"
#include "energy/energy_model.h"
#include "models/architecture.h"
#include "models/timing_model.h"
#include "workloads/network/network.h"
#include "workloads/network/topology.h"

namespace lvsim {

/// Topologies with at most this many weights keep their layers' networks built (an exploration
/// times them at every point); larger ones build each layer's network when it is timed and release
/// it after, so memory follows the largest layer, not the file.
inline constexpr int64_t kPrebuiltTopologyWeights = int64_t(1) << 25;

/// A workload, loaded once: a network, or a topology's rows (SCALE-Sim runs layers on their own),
/// each row a network of value-less weights (as many bytes as weights).
struct LoadedWorkload {
  std::string name;
  bool topology = false;
  std::vector<Network> nets;          // the network, or a topology's layers when prebuilt
  std::vector<TopologyLayer> layers;  // a topology's rows
  std::string source_file;            // the topology file, for messages
  int topology_weight_bits = 0;       // 0: as the rows give them (8 bits)
};

/// Reads a network file or a topology CSV (errors name the file).
LoadedWorkload load_workload(const std::string& name, const std::string& path, bool topology);

/// The workload with its weights at `bits` (0: as loaded): networks re-quantized
/// (workloads/network/weight_requantization.h), topologies' value-less weights given that width.
LoadedWorkload at_weight_bits(const LoadedWorkload& w, int bits);

/// What one workload costs on one architecture (energy is filled in by the caller, at its voltages).
struct WorkloadResult {
  bool feasible = false;
  std::string reason;  // why not (the architecture's check, naming the topology layer)
  int64_t cycles = 0, macs = 0, weight_bytes = 0;
  int64_t stall_cycles = 0;  // of `cycles`: the array waiting for weights or for DRAM
  ActionCounts counts;
  EnergyBreakdown energy;
  std::vector<std::pair<std::string, LayerTiming>> layers;  // layers with weights
  std::vector<Dataflow> layer_dataflows;                    // parallel to `layers`: the dataflow each ran in
  bool mapped = false;                                      // the mapper chose them (the array supports several)
};

/// Cycles and counts of a workload on an architecture (no energy: the voltages only change what
/// the counts cost, so points differing only in V_sram / V_logic share this). An architecture
/// supporting several dataflows has each network's layers mapped first (models/mapper.h; `tech`
/// is needed for the energy objectives).
WorkloadResult time_workload(const LoadedWorkload& w, const ArchitectureParams& arch,
                             const TechnologyParams* tech = nullptr);

}  // namespace lvsim
