#include "memory/profiled_fault_map.h"

#include <algorithm>

#include "common/errors.h"

namespace lvsim {

static bool profiled_less(const ProfiledCell& a, const ProfiledCell& b) {
  const CellFault &x = a.fault, &y = b.fault;
  if (x.bank != y.bank) return x.bank < y.bank;
  if (x.row != y.row) return x.row < y.row;
  return x.cell < y.cell;
}

ProfiledFaultMap ProfiledFaultMap::with_failure_voltages(FaultGeometry g, std::vector<ProfiledCell> cells,
                                                         double min_voltage_v) {
  ProfiledFaultMap m;
  m.geometry_ = g;
  m.has_failure_voltages_ = true;
  m.voltage_v_ = min_voltage_v;
  m.cells_ = std::move(cells);
  std::sort(m.cells_.begin(), m.cells_.end(), profiled_less);
  return m;
}

ProfiledFaultMap ProfiledFaultMap::at_one_voltage(const FaultMap& map, std::optional<double> voltage_v) {
  ProfiledFaultMap m;
  m.geometry_ = map.geometry();
  m.has_failure_voltages_ = false;
  m.voltage_v_ = voltage_v;
  m.cells_.reserve(map.size());
  for (const CellFault& c : map.cells()) m.cells_.push_back({c, 0.0});
  return m;
}

FaultMap ProfiledFaultMap::at(std::optional<double> voltage_v) const {
  std::vector<CellFault> out;
  if (has_failure_voltages_) {
    const std::string file = origin_.empty() ? "fault map" : origin_;
    if (!voltage_v) throw ConfigError(located(file, "voltage_v", "a fault map with failure voltages needs a voltage"));
    if (*voltage_v < *voltage_v_)
      throw ConfigError(located(file, "voltage_v",
                                "the map covers voltages down to " + std::to_string(*voltage_v_) +
                                    " V, not the run's " + std::to_string(*voltage_v) + " V"));
    for (const ProfiledCell& c : cells_)
      if (*voltage_v < c.failure_voltage_v) out.push_back(c.fault);
  } else {
    for (const ProfiledCell& c : cells_) out.push_back(c.fault);
  }
  return FaultMap(geometry_, std::move(out));
}

ProfiledFaultMap ProfiledFaultMap::fit(const FaultGeometry& target, bool tile, const std::string& origin) const {
  if (target.data_bits != geometry_.data_bits || target.check_bits != geometry_.check_bits)
    throw ConfigError(located(origin, "geometry",
                              "the map's words have " + std::to_string(geometry_.data_bits) + " data + " +
                                  std::to_string(geometry_.check_bits) + " check bits, the memory's " +
                                  std::to_string(target.data_bits) + " + " + std::to_string(target.check_bits)));
  if (!tile && (target.banks > geometry_.banks || target.rows > geometry_.rows))
    throw ConfigError(located(origin, "geometry",
                              "the map covers " + std::to_string(geometry_.banks) + " banks x " +
                                  std::to_string(geometry_.rows) + " rows, the memory needs " +
                                  std::to_string(target.banks) + " x " + std::to_string(target.rows) +
                                  " (use the tile option to repeat the map)"));
  ProfiledFaultMap m = *this;
  m.geometry_ = target;
  m.origin_ = origin;
  m.cells_.clear();
  // Target bank b / row r read map bank b % banks, row r % rows.
  for (int b = 0; b < target.banks; ++b) {
    int src_bank = b % geometry_.banks;
    auto first = std::lower_bound(cells_.begin(), cells_.end(), src_bank,
                                  [](const ProfiledCell& c, int bank) { return c.fault.bank < bank; });
    for (int64_t base = 0; base < target.rows; base += geometry_.rows) {
      for (auto it = first; it != cells_.end() && it->fault.bank == src_bank; ++it) {
        int64_t row = base + it->fault.row;
        if (row >= target.rows) break;
        ProfiledCell c = *it;
        c.fault.bank = b;
        c.fault.row = row;
        m.cells_.push_back(c);
      }
    }
  }
  return m;
}

}  // namespace lvsim
