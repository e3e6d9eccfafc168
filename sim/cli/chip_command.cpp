#include "sim/cli/chip_command.h"

#include <algorithm>
#include <memory>

#include "common/errors.h"
#include "common/json_reader.h"
#include "common/output_file.h"
#include "energy/operating_point.h"
#include "memory/bitcell_failure_model.h"
#include "sim/cli/presets.h"

namespace lvsim {

ChipReport run_chip_command(const ChipCommandOptions& opt) {
  check_output_not_input(opt.export_path, "command line: --export",
                         {{opt.arch_path, "the architecture file"}, {opt.tech_path, "the technology file"}});
  const ArchitectureParams arch = load_architecture(opt.arch_path);
  const TechnologyParams tech = load_technology(opt.tech_path);
  const std::string origin = technology_origin(opt.tech_path);
  if (!tech.bitcell_failure)
    throw ConfigError(located(origin, "bitcell_failure", "missing: the technology has no failure model"));
  const BitcellFailureParams& failure = *tech.bitcell_failure;

  const WeightSramParams& s = arch.weight_sram;
  ChipReportParams p;
  p.geometry = fault_geometry(s);
  p.seed = opt.chip_seed;
  p.voltages_v = opt.voltages_v;
  if (p.voltages_v.empty()) {
    // The default grid spans the voltages both the technology and its failure model describe (the
    // 14 nm curve ends at 1.0 Vmin while the SRAM range goes to 1.1).
    const std::unique_ptr<BitcellFailureModel> model = make_bitcell_failure_model(failure);
    const double lo = std::max(tech.sram_range.min_v, model->min_voltage_v());
    const double hi = std::min(tech.sram_range.max_v, model->max_voltage_v());
    if (!(lo <= hi))
      throw ConfigError(
          located(origin, "bitcell_failure", "the failure model's voltages do not overlap voltage_range.sram"));
    for (int i = 0; i <= 8; ++i) p.voltages_v.push_back(lo + (hi - lo) * i / 8.0);
  }
  for (double v : p.voltages_v) check_sram_voltage(tech, v);  // the same range `lvsim run` accepts
  if (opt.voltage_v) check_sram_voltage(tech, *opt.voltage_v);
  if (opt.export_voltage_v) check_sram_voltage(tech, *opt.export_voltage_v);
  p.detail_voltage_v = opt.voltage_v;
  ChipReport rep = chip_report(failure, p);
  if (!opt.export_path.empty()) {
    const double lowest = *std::min_element(p.voltages_v.begin(), p.voltages_v.end());
    export_fault_map(failure, p.geometry, opt.chip_seed, opt.export_voltage_v, lowest, opt.export_path);
  }
  return rep;
}

}  // namespace lvsim
