// `lvsim chip`: describe one simulated chip (technology failure model + weight-SRAM geometry +
// seed) — bit error rate vs voltage, per-bank failing cells, failure types — and export its map.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sim/report/chip_report.h"

namespace lvsim {

struct ChipCommandOptions {
  std::string arch_path;  // geometry: the architecture's weight SRAM (empty: built-in preset)
  std::string tech_path;  // failure model: the technology's bitcell_failure (empty: built-in)
  uint64_t chip_seed = 1;
  std::vector<double> voltages_v;          // empty: 9 points over the technology's SRAM voltage range
  std::optional<double> voltage_v;         // per-bank / per-type detail here (default: the lowest)
  std::string export_path;                 // write the fault map here
  std::optional<double> export_voltage_v;  // export the failing cells at this voltage only
};

/// Builds the report (and writes the export, atomically). Throws UserError on bad input.
ChipReport run_chip_command(const ChipCommandOptions& options);

}  // namespace lvsim
