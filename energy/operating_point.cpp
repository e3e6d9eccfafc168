#include "energy/operating_point.h"

#include <cmath>
#include <cstdio>

#include "common/errors.h"
#include "common/number_text.h"

namespace lvsim {

namespace {

std::string fixed(double x, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, x);
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

namespace {

// ConfigError unless v is finite and in `range`: named `origin` when given, else the technology
// file's field voltage_range.`key`.
void check_voltage(const TechnologyParams& tech, const VoltageRange& range, double v, const std::string& origin,
                   const char* key, const char* symbol, const char* domain) {
  if (std::isfinite(v) && range.contains(v)) return;
  const std::string bounds = "[" + number_text(range.min_v) + ", " + number_text(range.max_v) + "] V of technology ";
  if (!origin.empty())
    throw ConfigError(
        located(origin, "", number_text(v) + " V is outside the " + domain + " range " + bounds + tech.name));
  throw ConfigError(located(tech.source_file, std::string("voltage_range.") + key,
                            std::string(symbol) + " " + number_text(v) + " V outside " + bounds + tech.name));
}

}  // namespace

void check_voltages(const TechnologyParams& tech, double v_sram_v, double v_logic_v, const VoltageOrigins& from) {
  check_voltage(tech, tech.sram_range, v_sram_v, from.v_sram, "sram", "V_sram", "weight-SRAM");
  check_voltage(tech, tech.logic_range, v_logic_v, from.v_logic, "logic", "V_logic", "logic");
}

void check_sram_voltage(const TechnologyParams& tech, double v_sram_v) {
  check_voltage(tech, tech.sram_range, v_sram_v, "", "sram", "V_sram", "weight-SRAM");
}

void validate_operating_point(const TechnologyParams& tech, const OperatingPoint& op) {
  const std::string& file = tech.source_file;
  check_voltages(tech, op.v_sram_v, op.v_logic_v);
  if (!std::isfinite(op.clock_hz) || op.clock_hz <= 0)
    throw ConfigError(located(file, "clock_hz", "clock must be a positive number of Hz"));
  double f_max = tech.f_max_hz(op.v_logic_v);
  if (op.clock_hz > f_max * (1 + kClockTolerance))
    throw ConfigError(located(file, "frequency",
                              "clock " + fixed(op.clock_hz / 1e6, 3) + " MHz exceeds f_max " + fixed(f_max / 1e6, 3) +
                                  " MHz at V_logic " + number_text(op.v_logic_v) + " V"));
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
