// Where one simulated chip's persistent weight-SRAM faults come from, chosen once per chip: the
// technology's bit-cell failure model (a seeded chip, nested over voltage), a rate model
// (bit_flip / stuck_at, nested over the rate) or a profiled / exported fault map. `lvsim run`,
// the sweep chain and everything built on them ask a FaultSource for the faults at a point and for
// the transient read error rate the source itself adds there; none of them builds a model itself.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "memory/bitcell_failure_model.h"
#include "memory/chip_fault_model.h"
#include "memory/fault_map.h"
#include "memory/profiled_fault_map.h"
#include "memory/rate_fault_model.h"

namespace lvsim {

class FaultSource {
 public:
  enum class Kind { Chip, Rate, Map };

  /// Chip `seed` of the bit-cell failure model `params` (the point is a voltage).
  static FaultSource chip(const BitcellFailureParams& params, const FaultGeometry& geometry, uint64_t seed);
  /// Uniform-rate faults (the point is the rate: bit_flip's bit error rate, stuck_at's stuck-cell
  /// fraction); `params` validated, ConfigError naming `origin`.
  static FaultSource rate(const RateFaultParams& params, const FaultGeometry& geometry, uint64_t seed,
                          const std::string& origin);
  /// A profiled or exported map, already fitted to the memory (the point is a voltage; a map
  /// measured at one voltage gives its cells at any).
  static FaultSource map(ProfiledFaultMap profiled);

  FaultSource(FaultSource&&) noexcept;
  FaultSource& operator=(FaultSource&&) noexcept;
  ~FaultSource();

  Kind kind() const { return kind_; }
  /// The name reports use for the source (`faults.source`): "chip", "ber" or "fault_map".
  const char* name() const;
  /// The persistent faults at `point` (a voltage, or a rate for Kind::Rate). Not const: the chip
  /// model materialises cells lazily (results never depend on the call order).
  FaultMap faults_at(double point);
  /// The transient read error rate per bit the source adds at `point`: a measured chip's
  /// voltage-dependent rate (BitcellFailureParams::transient_ber_at); 0 for the others.
  double transient_ber_at(double point) const;
  /// Chip sources: the expected failing-cell fraction at the voltage; nullopt otherwise.
  std::optional<double> expected_failure_fraction(double voltage_v) const;

 private:
  explicit FaultSource(Kind kind);
  Kind kind_;
  std::unique_ptr<ChipFaultModel> chip_;
  std::optional<BitcellFailureParams> chip_params_;  // chip: its transient rate
  std::unique_ptr<RateFaultModel> rate_;
  std::unique_ptr<ProfiledFaultMap> map_;
};

}  // namespace lvsim
