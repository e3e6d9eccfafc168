// The options of one `lvsim run`, typed, and the checks of options that belong together; shared
// by the command line (sim/cli/main.cpp) and the Python API (python/), without SystemC.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "energy/operating_point.h"
#include "sim/report/run_report.h"
#include "workloads/import/calibration.h"
#include "workloads/network/network.h"

namespace lvsim {

/// Everything one run needs; option values are checked by their setters (sim/cli/run_option_table.h),
/// files by their loaders.
struct RunOptions {
  std::string network_path;
  // A network already loaded (the Python API): run uses it instead of reading network_path, which
  // then only names it in the report.
  std::shared_ptr<const Network> network;
  std::string data_dir;
  int64_t images = -1;  // test images to evaluate (-1: all)
  int threads = 0;      // 0: all hardware threads
  RunMode mode = RunMode::Fast;
  int64_t calib_images = 512;
  CalibrationMethod calib_method = CalibrationMethod::MinMax;
  std::optional<int> weight_bits;  // re-quantize the weights to 2..8 bits (workloads/network/weight_requantization.h)
  // Where groupnorm parameters live: the weight SRAM (faults apply) or a protected register file
  // (Network::norm_params_in_sram).
  bool norm_params_in_sram = true;

  // Hardware: empty paths select the built-in presets (edge-16x16, 45nm).
  std::string arch_path;
  std::string tech_path;
  std::optional<double> v_sram_v;            // weight-SRAM voltage (default: the technology's nominal)
  std::optional<double> v_logic_v;           // array/logic voltage (default: nominal)
  ClockMode clock_mode = ClockMode::kFixed;  // the architecture's clock, checked against f_max

  // Faults. With none of ber / fault_map, the technology's bit-cell failure model acts at v_sram.
  uint64_t chip_seed = 1;
  // Rate fault model instead of the chip model: bit_flip: every stored bit flips with probability
  // *ber; stuck_at: a fraction *ber of the CELLS is stuck (stuck_at_1_fraction of them at 1).
  std::optional<double> ber;
  std::string ber_model;  // "bit_flip" | "stuck_at"; empty: bit_flip
  // The stuck_at model under its own name: --stuck-cell-fraction F is --ber F --ber-model stuck_at.
  std::optional<double> stuck_cell_fraction;
  std::optional<double> stuck_at_1_fraction;  // stuck_at only (default 0.5)
  std::string fault_map_path;                 // a profiled or exported fault map instead of the chip model
  bool fault_map_tile = false;                // repeat a smaller map over the memory
  double transient_ber = 0;                   // transient read errors per bit, fresh per (image, layer)
  bool robust_error = false;                  // also report the seed work's robust error

  // Cycle mode tracing and SCALE-Sim comparison.
  std::string vcd_path;
  int trace_layer = 0;
  int64_t trace_from_cycle = 0, trace_to_cycle = 0;
  std::string compute_report_path;  // SCALE-Sim COMPUTE_REPORT.csv columns
  bool quiet = false;               // no cycle-mode progress on stderr

  // Inspection: every layer's output codes and values of the evaluated images as .npy files.
  std::string dump_layers_dir;

  // Where the caller will write the report (--output): only checked here, before any work.
  std::string output_path;
};

/// The checks of options that belong together (each needs its partner, some exclude each other),
/// shared by the command line and the Python API; turns stuck_cell_fraction into ber + stuck_at.
/// ConfigError naming the command-line option.
void check_run_options(RunOptions& options);

}  // namespace lvsim
