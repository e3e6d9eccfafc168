// Timeloop/Accelergy's per-action energies of the 45 nm simple_weight_stationary and
// simple_output_stationary examples (validation/timeloop/README.md) against lvsim's 45 nm preset,
// action by action where the two correspond. Different models built on similar sources: a ratio
// band, not equality.
#include <fmt/format.h>

#include "common/errors.h"
#include "sim/cli/presets.h"
#include "sim/validate/csv_table.h"
#include "sim/validate/validation_check.h"

namespace lvsim {
namespace {

constexpr double kRatioLow = 0.5, kRatioHigh = 2.0;  // "within 2x" (docs/validation.md)

struct TimeloopDesign {
  const char* file;   // validation/timeloop/<file>_actions.csv
  const char* label;  // prefix of the compared text
};
constexpr TimeloopDesign kDesigns[] = {{"simple_weight_stationary", "WS"}, {"simple_output_stationary", "OS"}};

ValidationCheck ratio_check(const std::string& what, double timeloop_pj, double lvsim_pj) {
  const double r = lvsim_pj / timeloop_pj;
  return {"timeloop-45nm",
          what,
          timeloop_pj,
          lvsim_pj,
          r,
          "ratio",
          fmt::format("{:g}..{:g}", kRatioLow, kRatioHigh),
          r >= kRatioLow && r <= kRatioHigh};
}

// lvsim's energy of the action `row` of `t` names (column lvsim_action), and what it is, in words.
std::pair<std::string, double> lvsim_action(const CsvTable& t, size_t row, const TechnologyParams& tech) {
  const std::string& action = t.text(row, "lvsim_action");
  const int bits = int(t.number(row, "access_bits"));
  const int64_t bytes = int64_t(t.number(row, "array_bytes"));
  // Timeloop's MAC: 8-bit multiplier + 16-bit adder; lvsim's: int8 multiply + int32 accumulate.
  if (action == "mac")
    return {"MAC (multiply + accumulate), pJ", tech.mac_multiply_pj_by_weight_bits[8] + tech.accumulator_add_pj};
  if (action == "pe_register")
    return {fmt::format("PE register ({}), {}-bit access, pJ", t.text(row, "component"), bits),
            bits * tech.pe_register_write_pj_per_bit};
  if (action == "dram") return {fmt::format("DRAM, {}-bit access, pJ", bits), bits / 8 * tech.dram_pj_per_byte};
  if (action == "buffer_read")
    return {fmt::format("{} KB buffer read, {} bits, pJ", bytes / 1024, bits),
            bits / 8 * tech.buffer.read_pj_at(bytes, 8)};
  if (action == "buffer_write")
    return {fmt::format("{} KB buffer write, {} bits, pJ", bytes / 1024, bits),
            bits / 8 * tech.buffer.write_pj_at(bytes, 8)};
  throw FormatError(
      located(t.path(), t.where(row, "lvsim_action"),
              "'" + action + "' is not an lvsim action (mac, pe_register, dram, buffer_read, buffer_write)"));
}

}  // namespace

std::vector<ValidationCheck> timeloop_checks(const ValidationPaths& p) {
  const TechnologyParams tech = load_technology("");  // the built-in presets/tech/45nm.json
  std::vector<ValidationCheck> out;
  for (const TimeloopDesign& d : kDesigns) {
    const CsvTable t = CsvTable::read(fmt::format("{}/timeloop/{}_actions.csv", p.data_dir, d.file));
    for (size_t row = 0; row < t.rows(); ++row) {
      const auto [what, lvsim_pj] = lvsim_action(t, row, tech);
      out.push_back(ratio_check(fmt::format("{}: {}", d.label, what), t.number(row, "energy_pj"), lvsim_pj));
    }
  }
  return out;
}

}  // namespace lvsim
