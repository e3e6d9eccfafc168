// The measured-chip technology profiles (presets/tech/14nm-measured-chip{1,2,3}.json) against the
// table Stutz et al. publish for their three profiled 14 nm chips (MLSys 2021, supplementary
// material, "Profiled Bit Errors"; validation/measured-chips/): on a simulated chip of the
// profiled map's size and seed 1, at each tabulated voltage, the bit error rate (stuck cells +
// transient flips of one read) and the persistent share (stuck cells), and per chip the share of
// cells stuck at 1 against the table's 0->1 / 1->0 mix (docs/validation.md "measured-chips").
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "common/errors.h"
#include "energy/technology.h"
#include "memory/chip_fault_model.h"
#include "memory/transient_read_errors.h"
#include "sim/validate/csv_table.h"
#include "sim/validate/validation_check.h"

namespace lvsim {
namespace {

constexpr uint64_t kSeed = 1;
constexpr double kMaxSigmas = 3;

struct Level {
  double p, p01, p10, persistent;  // fractions (the table's % / 100)
};
struct ProfiledChip {
  int64_t map_rows = 0;       // the profiled map: map_rows x 128 bits
  std::vector<Level> levels;  // in the file's order: lowest voltage (highest p) first
};

std::map<int, ProfiledChip> read_table(const std::string& path) {
  const CsvTable t = CsvTable::read(path);
  std::map<int, ProfiledChip> chips;
  for (size_t r = 0; r < t.rows(); ++r) {
    ProfiledChip& c = chips[int(t.number(r, "chip"))];
    c.map_rows = int64_t(t.number(r, "map_rows"));
    const Level l{t.number(r, "p_pct") / 100, t.number(r, "p01_pct") / 100, t.number(r, "p10_pct") / 100,
                  t.number(r, "persistent_pct") / 100};
    if (!c.levels.empty() && l.p >= c.levels.back().p)
      throw FormatError(located(path, t.where(r, "p_pct"), "a chip's rows must go from the highest p to the lowest"));
    c.levels.push_back(l);
  }
  return chips;
}

/// A measured proportion `count / n` against the table's `expected`: error in binomial standard
/// deviations (at least one count's worth). Values in %.
ValidationCheck within_sigmas(const std::string& what, int64_t count, int64_t n, double expected) {
  const double measured = double(count) / double(n);
  const double sigma = std::sqrt(std::max(expected * (1 - expected), 1.0 / double(n)) / double(n));
  const double z = (measured - expected) / sigma;
  return {"measured-chips",
          what,
          100 * expected,
          100 * measured,
          z,
          "sigma",
          fmt::format("|e| <= {:g}", kMaxSigmas),
          std::abs(z) <= kMaxSigmas};
}

std::vector<ValidationCheck> chip_checks(int id, const ProfiledChip& chip, const ValidationPaths& paths) {
  const std::string file = fmt::format("{}/presets/tech/14nm-measured-chip{}.json", paths.source_dir, id);
  const TechnologyParams tech = TechnologyParams::from_json_file(file);
  if (!tech.bitcell_failure || tech.bitcell_failure->points.size() != chip.levels.size() + 1)
    throw FormatError(
        located(file, "bitcell_failure.points",
                fmt::format("expected one point per tabulated voltage ({}) and Vmin", chip.levels.size())));
  const BitcellFailureParams& params = *tech.bitcell_failure;
  FaultGeometry g;  // the profiled map as one bank of 64-bit words, two per 128-bit row
  g.banks = 1;
  g.rows = chip.map_rows * 2;
  g.data_bits = 64;
  ChipFaultModel model(params, g, kSeed);
  // Nested failing cells cannot shrink as the voltage falls: the profile keeps the largest
  // persistent share tabulated at this or a higher voltage (chip 3, docs/fault-maps.md).
  std::vector<double> persistent(chip.levels.size());
  for (size_t i = chip.levels.size(); i-- > 0;)
    persistent[i] = std::max(chip.levels[i].persistent, i + 1 < persistent.size() ? persistent[i + 1] : 0.0);
  std::vector<ValidationCheck> out;
  for (size_t i = 0; i < chip.levels.size(); ++i) {
    const double v = params.points[i].first;
    const FaultCounts c = model.faults_at(v).counts();
    const TransientReadErrors transient(params.transient_ber_at(v), g, kSeed);
    const int64_t flips = int64_t(transient.flipped_cells(0, 0, g.cells()).size());
    const std::string at = fmt::format("chip {}, {:.3f} V/Vmin", id, v);
    out.push_back(within_sigmas(at + ": bit error rate, %", c.failing_cells + flips, g.cells(), chip.levels[i].p));
    out.push_back(within_sigmas(at + ": persistent (stuck cells), %", c.failing_cells, g.cells(), persistent[i]));
    if (i == 0) {
      const Level& low = chip.levels[0];
      out.push_back(within_sigmas(at + ": stuck-at-1 share of stuck cells, %", c.stuck_at_1,
                                  std::max<int64_t>(c.failing_cells, 1), low.p01 / (low.p01 + low.p10)));
    }
  }
  return out;
}

}  // namespace

std::vector<ValidationCheck> measured_chip_checks(const ValidationPaths& p) {
  std::vector<ValidationCheck> out;
  for (const auto& [id, chip] : read_table(p.data_dir + "/measured-chips/stutz2021_profiled_chips.csv"))
    for (ValidationCheck& c : chip_checks(id, chip, p)) out.push_back(std::move(c));
  return out;
}

}  // namespace lvsim
