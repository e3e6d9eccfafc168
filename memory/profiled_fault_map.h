// A fault map as profiled from a chip (or exported from a simulated one): failing cells with their
// failure voltage (valid at any V >= min_voltage_v), or the failing cells at one voltage only.
// Imported/exported by fault_map_io.h in the format of docs/fault-maps.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "memory/fault_map.h"

namespace lvsim {

/// One listed cell; failure_voltage_v is used only by maps with failure voltages.
struct ProfiledCell {
  CellFault fault;
  double failure_voltage_v = 0.0;  // the cell fails at V iff V < failure_voltage_v
};

/// A loaded or exported fault map (persistent faults only).
class ProfiledFaultMap {
 public:
  /// Failing cells with failure voltages; lists every cell failing at min_voltage_v or above.
  static ProfiledFaultMap with_failure_voltages(FaultGeometry g, std::vector<ProfiledCell> cells, double min_voltage_v);
  /// The failing cells measured at one voltage (voltage_v: where it was measured, if known).
  static ProfiledFaultMap at_one_voltage(const FaultMap& map, std::optional<double> voltage_v);

  const FaultGeometry& geometry() const { return geometry_; }
  bool has_failure_voltages() const { return has_failure_voltages_; }
  /// With failure voltages: the lowest voltage the map is valid at. Otherwise: the measurement
  /// voltage, if known.
  std::optional<double> voltage_v() const { return voltage_v_; }
  const std::vector<ProfiledCell>& cells() const { return cells_; }

  /// The failing cells at voltage_v. With failure voltages: ConfigError (field "voltage") below
  /// min_voltage_v. A one-voltage map returns its cells whatever voltage_v is (nullopt: same).
  FaultMap at(std::optional<double> voltage_v) const;

  /// This map laid over a memory of geometry `target`: same cells per word required; the map's
  /// banks and rows must cover the target's, unless `tile` (target bank b, row r take map bank
  /// b % banks, row r % rows). Cells beyond the target are dropped. ConfigError names `origin`.
  ProfiledFaultMap fit(const FaultGeometry& target, bool tile, const std::string& origin) const;

 private:
  FaultGeometry geometry_;
  bool has_failure_voltages_ = false;
  std::optional<double> voltage_v_;
  std::string origin_;               // the file named by fit(), for at()'s errors
  std::vector<ProfiledCell> cells_;  // sorted by (bank, row, cell)
};

}  // namespace lvsim
