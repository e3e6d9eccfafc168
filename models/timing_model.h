// Closed-form timing and action counts of one layer on the accelerator (docs/timing-model.md):
// what the cycle-level controller measures, computed without simulating, so the fast path can
// report cycles and counts. Tested equal to the cycle model on every tested shape.
#pragma once

#include <cstdint>
#include <ostream>
#include <utility>
#include <vector>

#include "energy/action_counts.h"
#include "models/architecture.h"
#include "models/dataflow.h"
#include "workloads/network/network.h"

namespace lvsim {

/// Cycles of one fold (constant within a layer): 2R + C + T - 2 for every dataflow (WS/IS: R
/// load + T + R + C - 2 stream/drain; OS: R + C + T - 2 compute + R drain).
int64_t fold_cycles(const ArchitectureParams& arch, int64_t stream);
/// SCALE-Sim's per-fold cycles: 2R + C + T - 2 (WS, IS), R + C + T - 2 (OS).
int64_t scalesim_fold_cycles(const ArchitectureParams& arch, Dataflow dataflow, int64_t stream);

/// Per-layer timing: cycles and where they go, utilization, and the counted actions.
struct LayerTiming {
  int64_t cycles = 0;        // stall + array + post
  int64_t array_cycles = 0;  // folds * fold_cycles (array busy: load/stream/compute/drain)
  int64_t stall_cycles = 0;  // array idle waiting for weight words (from the SRAM; streamed: also from DRAM)
  int64_t post_cycles = 0;   // post-processing unit after the array: exposed_post_cycles
  int64_t folds = 0;
  int64_t fold_cycles = 0;  // cycles of one fold (0 for layers without weights)
  int64_t macs = 0;         // real MACs (idle PEs excluded)
  int64_t weight_words_read = 0;
  double mapping_efficiency = 0;   // mapped PEs averaged over folds / (R * C)
  double compute_utilization = 0;  // MACs / (array_cycles * R * C)
  double utilization = 0;          // MACs / ((array_cycles + stall_cycles) * R * C) (SCALE-Sim "Overall Util")
  int64_t scalesim_cycles = 0;     // SCALE-Sim's reported total for the same mapping: folds * per-fold - 1
  ActionCounts counts;             // counts.cycles == cycles

  bool operator==(const LayerTiming&) const = default;
};

/// Off-chip bytes a layer moves per inference: the network input it reads (one byte per code)
/// and, for the output layer, the results it writes. Model loading is counted separately
/// (model_load_counts).
int64_t network_dram_bytes(const Network& net, int layer);

/// Activations that do not fit on chip live partly in DRAM (docs/timing-model.md, "Buffers too
/// small"): the buffer holds the first bytes of a tensor, the rest stays off chip. A layer's inputs
/// beyond the input buffer are read from DRAM once per pass of the dataflow over them (WS, OS: per
/// column tile; IS and layers without weights: once); its outputs beyond the input buffer (the next
/// layer's inputs) are written to DRAM. Bytes per inference beyond network_dram_bytes (which counts
/// the image's first read and the results' write).
int64_t activation_spill_bytes(const ArchitectureParams& arch, const Network& net, int layer);
/// Accumulators beyond the output buffer: the output buffer holds floor(B / 4) of a group's M x N
/// accumulators, the others live in DRAM; every accumulator sees the same traffic (written per
/// K-fold, read back, read by post-processing), so DRAM carries `traffic_bytes` (the layer's
/// output-buffer reads + writes, as counted) x (M N - floor(B / 4)) / (M N). 0 when they fit.
int64_t accumulator_spill_bytes(const ArchitectureParams& arch, const Layer& L, int64_t traffic_bytes);

/// One model load: every weight word written into the weight SRAM (and SECDED-encoded), the
/// packed weights read from DRAM (data bits of those words), and the cycles the DRAM bandwidth
/// needs for them at `clock_hz`. Streamed weights: nothing (each inference's layer counts carry
/// the streamed words, bytes and stalls).
ActionCounts model_load_counts(const ArchitectureParams& arch, const Network& net, double clock_hz);

/// Closed form of layer `layer` (any type; layers without weights: post-processing only).
LayerTiming layer_timing(const ArchitectureParams& arch, const Network& net, int layer);

/// array.weight_prefetch (docs/timing-model.md, "Weight prefetch"): the cycles, just before layer
/// `layer` starts, in which its first fold's weight words are already being fetched. They are the
/// cycles of the layer run before it in which the weight SRAM's read ports and the second staging
/// buffer are free: its last fold and its post-processing when it has weights, its post-processing
/// when it has none. The layer run before is layer - 1 (flatten views, which take no cycles,
/// skipped); for layer 0 it is the network's last layer, run by the previous inference (back-to-back
/// inferences). 0 when the option is off, the layer has no weights, or weights are streamed.
int64_t weight_prefetch_window_cycles(const ArchitectureParams& arch, const Network& net, int layer);

/// The post-processing cycles of layer `layer` that follow its array part (docs/timing-model.md,
/// "Post-processing overlap"): the job's cycles (PostProcessingUnit::layer_cycles); with
/// arch.post_processing_overlap and weights, those the unit still needs after the last fold when
/// it takes each output tile (DataflowRules::output_tile_elements) from the cycle the fold
/// completing it delivers its first output (DataflowRules::output_window_cycles before its end).
int64_t exposed_post_cycles(const ArchitectureParams& arch, const Network& net, int layer);

/// Cycles to fetch each fold's weight words (models/dataflow.h: the plan's folds, in order): the
/// words of a fold spread over the banks, max over banks of ceil(words / read ports per bank).
/// `total_words`, when given, receives the words fetched by all folds.
std::vector<int64_t> fold_fetch_cycles(const ArchitectureParams& arch, const WeightLayout& layout, int layer,
                                       const FoldPlan& plan, int64_t* total_words = nullptr);

/// Writes SCALE-Sim COMPUTE_REPORT.csv columns (LayerID, Total Cycles, Stall Cycles, Overall Util %,
/// Mapping Efficiency %, Compute Util %) for the layers with weights; Total Cycles = array + stall
/// cycles (post-processing is not part of SCALE-Sim's model). When `arch` maps its layers (several
/// dataflows), a last column Dataflow gives each layer's.
void write_compute_report_csv(std::ostream& os, const Network& net, const std::vector<LayerTiming>& timings,
                              const ArchitectureParams* arch = nullptr);
/// The same columns for (LayerID, timing) rows (a topology's layers, each run on its own), with
/// the Dataflow column when `dataflows` (parallel to `rows`) is given.
void write_compute_report_csv(std::ostream& os, const std::vector<std::pair<int64_t, LayerTiming>>& rows,
                              const std::vector<Dataflow>* dataflows = nullptr);

}  // namespace lvsim
