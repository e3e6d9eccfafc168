// Voltage -> probability that a bit-cell fails, from the technology file's "bitcell_failure"
// object (schema: docs/fault-maps.md). Variants (normal, ber_curve) sit behind one small
// interface; the chip model (chip_fault_model.h) turns probabilities into a seeded set of cells.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/json_reader.h"

namespace lvsim {

/// Proportions of the failure behaviours of a failing cell (sum to 1).
struct CellTypeMix {
  double stuck_at_0 = 0.0;  // reads 0 whatever is stored: corrupts only stored 1s (1->0)
  double stuck_at_1 = 0.0;  // reads 1 whatever is stored: corrupts only stored 0s (0->1)
  double read_flip = 1.0;   // reads the complement of what is stored, on every read
  static CellTypeMix from_json(JsonObject& o);
};

/// Typed form of the technology's "bitcell_failure" object.
struct BitcellFailureParams {
  std::string model = "normal";                   // "normal" | "ber_curve"
  double mean_v = 0.10;                           // normal: mean cell failure voltage
  double sigma_v = 0.14;                          // normal: its standard deviation (> 0)
  std::vector<std::pair<double, double>> points;  // ber_curve: (voltage_v, p), voltage increasing
  double sigma_chip_v = 0.0;                      // per-chip (die) failure-voltage offset ~ Normal(0, sigma)
  double sigma_bank_v = 0.0;                      // per-bank failure-voltage offset ~ Normal(0, sigma)
  double sigma_column_v = 0.0;                    // per-(bank, column) offset ~ Normal(0, sigma)
  CellTypeMix cell_types;
  // Optional transient read errors that come with the voltage (a measured chip's non-persistent
  // errors): (voltage_v, rate per bit and read), voltage increasing, rate non-increasing;
  // interpolated as ber_curve's points. Empty: none.
  std::vector<std::pair<double, double>> transient_points;
  /// The transient read error rate per bit at voltage_v (0 without transient_points).
  double transient_ber_at(double voltage_v) const;
  /// Reads and validates the object (the JsonObject names file and path in every error).
  static BitcellFailureParams from_json(JsonObject& o);
};

/// p(V): probability that one cell of nominal strength fails at supply voltage V.
class BitcellFailureModel {
 public:
  virtual ~BitcellFailureModel() = default;
  /// Non-increasing in voltage_v; defined for every finite voltage (clamped outside the range).
  virtual double failure_probability(double voltage_v) const = 0;
  /// The voltages the model describes; outside them a simulation is refused (ConfigError).
  virtual double min_voltage_v() const = 0;
  virtual double max_voltage_v() const = 0;
  /// The cell's failure voltage for uniform draw u: sup{V : p(V) > u}. A cell fails at V iff
  /// V < failure_voltage(u) (up to rounding). Bisection; monotone in u.
  double failure_voltage(double u) const;

 protected:
  /// A bracket [lo, hi] for failure_voltage's bisection.
  virtual std::pair<double, double> search_bracket_v() const = 0;
};

std::unique_ptr<BitcellFailureModel> make_bitcell_failure_model(const BitcellFailureParams& params);

}  // namespace lvsim
