// Timeloop/Accelergy's per-action energies of the 45 nm simple_weight_stationary example
// (validation/timeloop/README.md) against lvsim's 45 nm preset, action by action where the two
// correspond. Different models built on similar sources: a ratio band, not equality.
#include <fmt/format.h>

#include "common/errors.h"
#include "sim/cli/presets.h"
#include "sim/validate/csv_table.h"
#include "sim/validate/validation_check.h"

namespace lvsim {
namespace {

constexpr double kRatioLow = 0.5, kRatioHigh = 2.0;  // "within 2x" (docs/validation.md)

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

}  // namespace

std::vector<ValidationCheck> timeloop_checks(const ValidationPaths& p) {
  const CsvTable t = CsvTable::read(p.data_dir + "/timeloop/simple_weight_stationary_actions.csv");
  if (t.rows() != 5) throw FormatError(p.data_dir + "/timeloop/simple_weight_stationary_actions.csv: expected 5 rows");
  const TechnologyParams tech = load_technology("");  // the built-in presets/tech/45nm.json
  const int64_t glb_bytes = int64_t(t.number(3, "array_bytes"));
  std::vector<ValidationCheck> out;
  // Timeloop's MAC: 8-bit multiplier + 16-bit adder; lvsim's: int8 multiply + int32 accumulate.
  out.push_back(ratio_check("MAC (multiply + accumulate), pJ", t.number(0, "energy_pj"),
                            tech.mac_multiply_pj_by_weight_bits[8] + tech.accumulator_add_pj));
  out.push_back(
      ratio_check("PE register, 16-bit access, pJ", t.number(1, "energy_pj"), 16 * tech.pe_register_write_pj_per_bit));
  out.push_back(ratio_check("DRAM, 64-bit access, pJ", t.number(2, "energy_pj"), 8 * tech.dram_pj_per_byte));
  out.push_back(ratio_check(fmt::format("{} KB buffer read, 64 bits, pJ", glb_bytes / 1024), t.number(3, "energy_pj"),
                            8 * tech.buffer.read_pj_at(glb_bytes, 8)));
  out.push_back(ratio_check(fmt::format("{} KB buffer write, 64 bits, pJ", glb_bytes / 1024), t.number(4, "energy_pj"),
                            8 * tech.buffer.write_pj_at(glb_bytes, 8)));
  return out;
}

}  // namespace lvsim
