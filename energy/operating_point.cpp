#include "energy/operating_point.h"

#include <cmath>
#include <cstdio>

#include "common/errors.h"

namespace lvsim {

namespace {

std::string fixed(double x, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, x);
  return buf;
}

std::string volts(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// A clock computed as f_max(V) must pass the f_max check despite rounding.
constexpr double kClockTolerance = 1e-9;

}  // namespace

ClockMode clock_mode_from_string(const std::string& s, const std::string& origin, const std::string& field) {
  if (s == "fixed") return ClockMode::kFixed;
  if (s == "follow_fmax") return ClockMode::kFollowFmax;
  if (s == "scale_nominal") return ClockMode::kScaleNominal;
  throw ConfigError(
      located(origin, field, "unknown clock mode \"" + s + "\" (expected one of: fixed, follow_fmax, scale_nominal)"));
}

OperatingPoint nominal_operating_point(const TechnologyParams& tech) {
  return {tech.v_sram_nominal_v, tech.v_logic_nominal_v, tech.clock_nominal_hz};
}

void check_sram_voltage(const TechnologyParams& tech, double v_sram_v) {
  if (!std::isfinite(v_sram_v) || !tech.sram_range.contains(v_sram_v))
    throw ConfigError(located(tech.source_file, "voltage_range.sram",
                              "V_sram " + volts(v_sram_v) + " V outside [" + volts(tech.sram_range.min_v) + ", " +
                                  volts(tech.sram_range.max_v) + "] V of technology " + tech.name));
}

void validate_operating_point(const TechnologyParams& tech, const OperatingPoint& op) {
  const std::string& file = tech.source_file;
  check_sram_voltage(tech, op.v_sram_v);
  if (!std::isfinite(op.v_logic_v) || !tech.logic_range.contains(op.v_logic_v))
    throw ConfigError(located(file, "voltage_range.logic",
                              "V_logic " + volts(op.v_logic_v) + " V outside [" + volts(tech.logic_range.min_v) + ", " +
                                  volts(tech.logic_range.max_v) + "] V of technology " + tech.name));
  if (!std::isfinite(op.clock_hz) || op.clock_hz <= 0)
    throw ConfigError(located(file, "clock_hz", "clock must be a positive number of Hz"));
  double f_max = tech.f_max_hz(op.v_logic_v);
  if (op.clock_hz > f_max * (1 + kClockTolerance))
    throw ConfigError(located(file, "frequency",
                              "clock " + fixed(op.clock_hz / 1e6, 3) + " MHz exceeds f_max " + fixed(f_max / 1e6, 3) +
                                  " MHz at V_logic " + volts(op.v_logic_v) + " V"));
}

OperatingPoint make_operating_point(const TechnologyParams& tech, double v_sram_v, double v_logic_v, ClockMode mode,
                                    double clock_hz) {
  OperatingPoint op{v_sram_v, v_logic_v, clock_hz};
  // Range checks first, so f_max is only evaluated at a valid logic voltage.
  validate_operating_point(tech, {v_sram_v, v_logic_v, tech.f_max_hz(v_logic_v)});
  switch (mode) {
    case ClockMode::kFixed:
      break;
    case ClockMode::kFollowFmax:
      op.clock_hz = tech.f_max_hz(v_logic_v);
      break;
    case ClockMode::kScaleNominal:
      op.clock_hz = clock_hz * tech.f_max_hz(v_logic_v) / tech.f_max_hz(tech.v_logic_nominal_v);
      break;
  }
  validate_operating_point(tech, op);
  return op;
}

}  // namespace lvsim
