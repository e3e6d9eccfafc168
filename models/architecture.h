// The accelerator's architecture file (docs/architecture.md): systolic array geometry and
// dataflow, PE widths, weight SRAM, activation/output buffers, post-processing lanes, clock.
#pragma once

#include <cstdint>
#include <string>

#include "common/json_reader.h"
#include "energy/energy_model.h"
#include "memory/weight_sram_params.h"
#include "workloads/network/network.h"

namespace lvsim {

/// How a conv/linear GEMM (M output pixels, K reduction, N filters) is mapped onto the array
/// (SCALE-Sim's convention, docs/timing-model.md).
enum class Dataflow {
  WeightStationary,  // rows = K, cols = N, streamed T = M
  OutputStationary,  // rows = M, cols = N, streamed T = K
  InputStationary,   // rows = K, cols = M, streamed T = N
};

const char* dataflow_name(Dataflow d);

/// What the per-layer mapper (models/mapper.h) minimizes over the supported dataflows: the closed
/// form's cycles, its energy at the technology's nominal operating point, or their product.
enum class MappingObjective { Cycles, Energy, Edp };

const char* mapping_objective_name(MappingObjective o);

/// Widths of one processing element.
struct PeParams {
  int weight_bits_max = 8;    // widest weight pattern the multiplier takes (2..8)
  int activation_bits = 8;    // activation codes (8)
  int accumulator_bits = 32;  // partial sums (32, two's complement wrap-around)
};

/// Immutable accelerator description read from an architecture JSON file.
struct ArchitectureParams {
  std::string name;         // label for reports (default: the file name)
  std::string source_file;  // where it was read from (for messages)
  int rows = 16;            // PE rows (R)
  int cols = 16;            // PE columns (C)
  Dataflow dataflow = Dataflow::WeightStationary;
  // The dataflow each layer of the network being run uses, by layer index (the per-layer mapping
  // choice); empty or shorter: `dataflow` for the remaining layers. Not part of the file.
  std::vector<Dataflow> layer_dataflows;
  // The dataflows the array can run (key array.dataflows, in the order WS < OS < IS), among which
  // the mapper (models/mapper.h) chooses per layer by `mapping_objective`; empty: only `dataflow`.
  // When given, `dataflow` is the first of them (the dataflow of layers the mapper has not mapped).
  std::vector<Dataflow> supported_dataflows;
  MappingObjective mapping_objective = MappingObjective::Cycles;  // key array.mapping_objective
  // Key array.weight_prefetch (default false; resident weights only): each layer's first fold's
  // weight words are fetched while the previous layer runs, hiding up to
  // weight_prefetch_window_cycles of that fetch (models/timing_model.h, docs/timing-model.md).
  bool weight_prefetch = false;
  PeParams pe;
  WeightSramParams weight_sram;
  int64_t input_buffer_bytes = 256 * 1024;   // activation codes of a layer's inputs (+ im2col source)
  int64_t output_buffer_bytes = 512 * 1024;  // int32 accumulators of one group of a layer's outputs
  int post_processing_lanes = 16;            // output elements the post-processing unit finishes per cycle
  // Key post_processing_overlap (default false): the post-processing unit requantizes a layer's
  // output tiles alongside the array, each from the cycle the fold completing it delivers its first
  // output; only the cycles it still needs after the last fold follow the array
  // (exposed_post_cycles, docs/timing-model.md "Post-processing overlap").
  bool post_processing_overlap = false;
  double clock_hz = 500e6;
  // Gating (key "gating"; default: both on, what a modern accelerator does).
  bool pe_clock_gating = true;      // idle PEs and PEs outside a fold's rows x cols do not clock registers
  bool zero_operand_gating = true;  // a MAC whose activation or weight operand is zero does not toggle multiplier/adder
  // Off-chip DRAM (key "dram"): bandwidth (model-load time; with streamed weights, the weight
  // bursts' cycles), how many inferences one model load (weights DRAM -> weight SRAM) is amortized
  // over, and whether weights are resident or streamed (dram.weights, kept in weight_sram.streamed).
  double dram_bandwidth_bytes_per_s = 12.8e9;  // LPDDR4-3200 x32: 3200 MT/s x 4 bytes
  int64_t inferences_per_model_load = 10000;

  /// True when the array supports more than one dataflow: each layer's is the mapper's choice.
  bool maps_layers() const { return supported_dataflows.size() > 1; }
  /// The dataflow layer `layer` runs in.
  Dataflow dataflow_of(int layer) const {
    return layer >= 0 && size_t(layer) < layer_dataflows.size() ? layer_dataflows[size_t(layer)] : dataflow;
  }
  /// Reads an architecture object (keys: name, array{rows, cols, dataflow | dataflows,
  /// mapping_objective, weight_prefetch}, pe{...}, weight_sram{...},
  /// input_buffer_bytes, output_buffer_bytes, post_processing_lanes, clock_hz, optional
  /// gating{pe_clock_gating, zero_operand_gating}, dram{bandwidth_bytes_per_s,
  /// inferences_per_model_load, weights}); unknown keys rejected.
  static ArchitectureParams from_json(JsonObject& o);
  /// Parses and reads a whole architecture file; ConfigError/FormatError name the file and field.
  static ArchitectureParams from_json_file(const std::string& path);

  /// ConfigError when the network cannot run on this architecture: weights wider than the PE,
  /// weights not fitting the SRAM (resident: the network; streamed: one filter tile), activations
  /// or accumulators exceeding the buffers.
  void check_fits(const Network& net) const;

  int64_t pes() const { return int64_t(rows) * cols; }
};

/// The sizes the energy model costs: array, weight SRAM (check bits included), buffers.
EnergyHardware energy_hardware(const ArchitectureParams& arch);

/// Cycles of a clock at `clock_hz` the DRAM needs to move `bytes` at the architecture's bandwidth:
/// ceil(bytes * clock_hz / dram_bandwidth_bytes_per_s); 0 for no bytes. The one DRAM-time formula
/// (streamed bursts, spills, the model load, recost).
int64_t dram_transfer_cycles(const ArchitectureParams& arch, int64_t bytes, double clock_hz);
/// The same at the architecture's clock.
inline int64_t dram_transfer_cycles(const ArchitectureParams& arch, int64_t bytes) {
  return dram_transfer_cycles(arch, bytes, arch.clock_hz);
}

}  // namespace lvsim
