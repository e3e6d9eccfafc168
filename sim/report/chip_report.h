// The logic of `lvsim chip`: one simulated chip (technology failure model + geometry + seed)
// described as a bit-error-rate-vs-voltage table, per-bank failing-cell counts and failure types
// at one voltage; and the export of its fault map (docs/fault-maps.md).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "memory/bitcell_failure_model.h"
#include "memory/fault_map.h"

namespace lvsim {

/// What to report about a chip.
struct ChipReportParams {
  FaultGeometry geometry;
  uint64_t seed = 1;
  std::vector<double> voltages_v;          // BER table rows (non-empty), in the order given
  std::optional<double> detail_voltage_v;  // per-bank and per-type counts here (default: lowest of voltages_v)
};

/// The report in both forms.
struct ChipReport {
  nlohmann::json json;
  std::string text;  // aligned plain-text tables
};

/// ConfigError (field "voltage") for voltages outside the failure model's range.
ChipReport chip_report(const BitcellFailureParams& failure, const ChipReportParams& params);

/// Writes the chip's fault map to `path`: with at_voltage_v, the failing cells at that voltage
/// (kind "at_voltage"); otherwise every cell failing at min_voltage_v or above with its failure
/// voltage (kind "failure_voltages", valid at any V >= min_voltage_v). Returns the cells written.
int64_t export_fault_map(const BitcellFailureParams& failure, const FaultGeometry& geometry, uint64_t seed,
                         std::optional<double> at_voltage_v, double min_voltage_v, const std::string& path);

}  // namespace lvsim
