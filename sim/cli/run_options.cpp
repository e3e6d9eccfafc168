#include "sim/cli/run_options.h"

#include <cmath>
#include <string>

#include "common/errors.h"
#include "common/output_file.h"

namespace lvsim {

void check_run_options(RunOptions& o) {
  const std::vector<NamedInput> inputs = {{o.network_path, "the network file"},
                                          {o.data_dir, "the data set"},
                                          {o.arch_path, "the architecture file"},
                                          {o.tech_path, "the technology file"},
                                          {o.fault_map_path, "the fault map file"}};
  check_output_not_input(o.output_path, "command line: --output", inputs);
  check_output_not_input(o.compute_report_path, "command line: --compute-report", inputs);
  check_output_not_input(o.vcd_path, "command line: --vcd", inputs);
  if (o.weight_bits && (*o.weight_bits < 2 || *o.weight_bits > 8))
    throw ConfigError("command line: --weight-bits: " + std::to_string(*o.weight_bits) + " is not 2..8");
  if (o.stuck_cell_fraction) {
    if (o.ber) throw ConfigError("command line: --stuck-cell-fraction: give either it or --ber, not both");
    if (!o.ber_model.empty() && o.ber_model != "stuck_at")
      throw ConfigError("command line: --stuck-cell-fraction: is the stuck_at model, not --ber-model " + o.ber_model);
    o.ber = o.stuck_cell_fraction;
    o.ber_model = "stuck_at";
  }
  if (o.stuck_at_1_fraction && !(o.ber && o.ber_model == "stuck_at"))
    throw ConfigError(
        "command line: --stuck-at-1-fraction: needs the stuck_at model (--stuck-cell-fraction F, or --ber F "
        "--ber-model stuck_at)");
  if (o.ber && !o.fault_map_path.empty()) throw ConfigError("command line: --ber: cannot be combined with --fault-map");
  if (!o.vcd_path.empty() && o.mode != RunMode::Cycle)
    throw ConfigError("command line: --vcd: tracing needs --mode cycle");
  // Options that do nothing without their partner are errors, not silently ignored.
  if (!o.ber_model.empty() && !o.ber)
    throw ConfigError("command line: --ber-model: needs --ber (or use --stuck-cell-fraction)");
  if (o.fault_map_tile && o.fault_map_path.empty())
    throw ConfigError("command line: --fault-map-tile: needs --fault-map");
  if (!std::isfinite(o.transient_ber)) throw ConfigError("command line: --transient-ber: not a number in [0, 1]");
}

}  // namespace lvsim
