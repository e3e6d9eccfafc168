// The report of one run: accuracy, speed, per-layer cycles, faults and energy side by side.
// to_json() is the documented `--json` object (docs/report.md); to_text() the terminal form.
#pragma once

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "energy/action_counts.h"
#include "energy/energy_model.h"
#include "memory/weight_error_counts.h"
#include "models/mapper.h"
#include "models/run_mode.h"
#include "workloads/network/network.h"

namespace lvsim {

/// A value with an SI prefix and three significant digits ("4.21 MJ", "858 kB") for text reports.
std::string si(double v, const char* unit);

/// Per-layer line of the report (cycles and counts summed over all evaluated images).
struct LayerReport {
  std::string name;
  std::string type;
  Shape input_shape, output_shape;
  int64_t macs_per_image = 0;
  int64_t weights = 0;
  int weight_bits = 0;   // 0 for layers without weights
  std::string dataflow;  // the mapper's choice (only when the array supports several dataflows)
  int64_t cycles = 0;
  int64_t stall_cycles = 0;
  int64_t folds = 0;
  double utilization = 0;
  double mapping_efficiency = 0;
  double compute_utilization = 0;
  int64_t weight_sram_reads = 0;
  ActionCounts counts;
  double energy_pj = 0;
  nlohmann::json energy_breakdown_pj;  // per component, as the run's energy_breakdown_pj
  // Conv/linear layers: the fraction of the input codes (over all images) equal to the layer
  // input's zero point, i.e. the activation operands zero-operand gating skips; none otherwise.
  std::optional<double> activation_sparsity;
  double gating_saved_energy_per_inference_pj = 0;  // what zero-operand gating saved in this layer
};

/// What the faults did: the memory, the failing cells, the weight bits they corrupted (the
/// WeightErrorCounts: persistent faults per read of every weight word; transients summed over images).
struct FaultReport : WeightReadCounts {
  std::string source = "none";  // none | chip | ber | fault_map
  // The configured rate of the fault source: bit_flip: the bit error rate p; stuck_at: the
  // fraction of stuck CELLS (about half of them hold the value they are stuck at, so the measured
  // bit error rate is ~p/2); chip: the expected fraction of failing cells. Not a measurement.
  std::optional<double> ber;
  std::string rate_model;                     // source "ber": bit_flip | stuck_at
  std::optional<double> stuck_cell_fraction;  // stuck_at: the fraction of cells stuck (= ber)
  std::optional<double> stuck_at_1_fraction;  // stuck_at: share of the stuck cells stuck at 1
  std::optional<double> voltage_v;
  uint64_t chip_seed = 0;
  int64_t cells = 0;  // bit-cells of the weight SRAM (data + check)
  int64_t failing_cells = 0;
  int64_t stuck_at_0 = 0, stuck_at_1 = 0, read_flip = 0;
  int64_t faulty_words = 0;
  /// Measured: bit_errors / bits_stored (0 without stored bits).
  double bit_error_rate() const { return bits_stored > 0 ? double(bit_errors) / double(bits_stored) : 0.0; }
  std::string ecc = "none";
  double transient_ber = 0;
};

struct RunReport {
  std::string network_name, network_file, data_dir;
  RunMode mode = RunMode::Fast;
  int threads = 1;
  bool calibrated = false;
  int64_t images = 0;
  int64_t correct = 0;
  double accuracy = 0;                 // with faults, fraction 0..1
  double accuracy_clean = 0;           // same network, weights as stored
  std::optional<double> robust_error;  // wrong clean or with faults (Stutz et al.)
  // All conv/linear layers' zero input codes over all their input codes (LayerReport's per layer).
  std::optional<double> activation_sparsity;
  double wall_time_s = 0;        // inference only (not loading)
  double images_per_second = 0;  // wall-clock speed of the simulator
  std::vector<int> predictions;  // with faults, one per evaluated image, in order
  std::vector<int> predictions_clean;
  std::vector<int> labels;
  std::vector<LayerReport> layers;
  int64_t macs_per_image = 0;

  // Hardware and time
  std::string arch_name;
  MappingDescription mapping;            // the dataflow, or the mapper's objective and choices (models/mapper.h)
  bool weight_prefetch = false;          // array.weight_prefetch (in the JSON only when on)
  bool post_processing_overlap = false;  // post_processing_overlap (in the JSON only when on)
  int array_rows = 0, array_cols = 0;
  double clock_hz = 0;
  int64_t total_cycles = 0;     // all evaluated images
  double simulated_time_s = 0;  // total_cycles / clock
  double simulated_images_per_second = 0;

  FaultReport faults;

  // Energy
  std::string technology;
  std::string energy_unit = "pJ";  // "normalized": *_pj values are relative units of the technology
  ActionCounts counts;             // all evaluated images
  std::optional<EnergyReport> energy;
  // One model load (weights DRAM -> weight SRAM), amortized over inferences_per_model_load.
  ActionCounts model_load_counts;
  std::optional<EnergyReport> model_load_energy;
  int64_t inferences_per_model_load = 1;
  double dram_bandwidth_bytes_per_s = 0;
  bool weights_streamed = false;  // dram.weights: "streamed" (loaded every inference) or "resident"

  nlohmann::json to_json() const;
  std::string to_text() const;

 private:
  std::string energy_accounting_text() const;
  std::string layer_table_text() const;  // the per-layer table (with each layer's dataflow when mapped)
};

/// The mapper's keys of a report's architecture object ("dataflows", "mapping_objective"), only
/// when it maps layers (docs/report.md).
void add_mapping_json(nlohmann::json& arch, const MappingDescription& m);

}  // namespace lvsim
