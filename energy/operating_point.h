// Voltage domains: the weight SRAM (the low voltage under study) and the logic/array, plus the
// clock, checked against the technology (voltage ranges, f_max at the logic voltage).
#pragma once

#include <string>

#include "energy/technology.h"

namespace lvsim {

/// One operating point: supply voltage of each domain and the clock.
struct OperatingPoint {
  double v_sram_v = 0;
  double v_logic_v = 0;
  double clock_hz = 0;
};

/// How the clock is chosen for a logic voltage.
enum class ClockMode {
  kFixed,         // the given clock; ConfigError if it exceeds f_max(V_logic)
  kFollowFmax,    // clock = f_max(V_logic)
  kScaleNominal,  // clock = given clock * f_max(V_logic) / f_max(V_logic nominal)
};

/// Parses "fixed" | "follow_fmax" | "scale_nominal"; ConfigError naming `origin` and `field` otherwise.
ClockMode clock_mode_from_string(const std::string& s, const std::string& origin, const std::string& field);

/// Nominal voltages of both domains at the nominal clock (= f_max at nominal logic voltage).
OperatingPoint nominal_operating_point(const TechnologyParams& tech);

/// Builds and validates an operating point. `clock_hz` is used by kFixed and kScaleNominal
/// (ignored by kFollowFmax). ConfigError if a voltage is outside its domain's range or the clock
/// exceeds f_max at V_logic (message names the technology file and the range field).
OperatingPoint make_operating_point(const TechnologyParams& tech, double v_sram_v, double v_logic_v, ClockMode mode,
                                    double clock_hz);

/// Who set the voltages, for the message when one is out of its range: empty, the technology
/// file's range fields are named ("V_sram 3 V outside [0.4, 1.1] V of technology 45nm"); else the
/// option or field given here ("--v-logic: 0.01 V is outside the logic range [0.5, 1.1] V of ...").
struct VoltageOrigins {
  std::string v_sram, v_logic;
};

/// ConfigError unless V_sram and V_logic are finite and within the technology's ranges: the one
/// voltage range check (make_operating_point, validate_operating_point and the CLI's options use it).
void check_voltages(const TechnologyParams& tech, double v_sram_v, double v_logic_v, const VoltageOrigins& from = {});

/// ConfigError unless both voltages are within range, clock > 0 and clock <= f_max(V_logic).
void validate_operating_point(const TechnologyParams& tech, const OperatingPoint& op);

/// ConfigError (field voltage_range.sram of the technology file) unless V_sram is within range.
void check_sram_voltage(const TechnologyParams& tech, double v_sram_v);

}  // namespace lvsim
