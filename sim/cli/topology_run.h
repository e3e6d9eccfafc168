// `lvsim run --topology FILE.csv`: timing and energy of a SCALE-Sim topology on the accelerator,
// without weights, data or quantization (docs/studies.md "SCALE-Sim topologies"). Each row runs on
// its own, as SCALE-Sim runs it; the closed form gives per-layer and total cycles, utilization,
// action counts and energy (the cycle model gives the same cycles and counts: tested in models).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "sim/cli/run_options.h"

namespace lvsim {

struct TopologyReport {
  nlohmann::json json;
  std::string text;
  std::string compute_report_csv;  // SCALE-Sim COMPUTE_REPORT.csv columns, one row per topology layer
};

/// Times `topology_path` on the run's architecture at its operating point (opt: arch_path,
/// tech_path, v_sram_v, v_logic_v, clock_mode, weight_bits; the rest must be unset, see
/// check_topology_run_flags in sim/cli/main.cpp). ConfigError / FormatError naming the file, or the
/// layer that cannot run on the architecture.
TopologyReport run_topology(const RunOptions& opt, const std::string& topology_path);

}  // namespace lvsim
