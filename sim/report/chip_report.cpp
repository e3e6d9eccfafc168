#include "sim/report/chip_report.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/errors.h"
#include "memory/chip_fault_model.h"
#include "memory/fault_map_io.h"

namespace lvsim {

static nlohmann::json geometry_json(const FaultGeometry& g) {
  return {{"banks", g.banks}, {"rows", g.rows}, {"data_bits", g.data_bits}, {"check_bits", g.check_bits}};
}

ChipReport chip_report(const BitcellFailureParams& failure, const ChipReportParams& params) {
  if (params.voltages_v.empty()) throw ConfigError("voltages: at least one voltage is needed");
  ChipFaultModel chip(failure, params.geometry, params.seed);
  const double total = double(params.geometry.cells());
  const double detail_v =
      params.detail_voltage_v.value_or(*std::min_element(params.voltages_v.begin(), params.voltages_v.end()));

  ChipReport r;
  nlohmann::json& j = r.json;
  j["seed"] = params.seed;
  j["model"] = failure.model;
  j["geometry"] = geometry_json(params.geometry);
  j["total_cells"] = params.geometry.cells();
  j["ber_vs_voltage"] = nlohmann::json::array();
  std::string& t = r.text;
  t += fmt::format("chip seed {}: {} banks x {} rows x ({} data + {} check) bits = {} cells, model {}\n\n", params.seed,
                   params.geometry.banks, params.geometry.rows, params.geometry.data_bits, params.geometry.check_bits,
                   params.geometry.cells(), failure.model);
  t += fmt::format("{:>10} {:>14} {:>12} {:>12} {:>10} {:>10} {:>10}\n", "voltage_v", "failing_cells", "ber",
                   "model_ber", "sa0", "sa1", "flip");
  for (double v : params.voltages_v) {
    FaultCounts n = chip.faults_at(v).counts();
    double ber = double(n.failing_cells) / total, model = chip.expected_failure_fraction(v);
    j["ber_vs_voltage"].push_back({{"voltage_v", v},
                                   {"failing_cells", n.failing_cells},
                                   {"ber", ber},
                                   {"model_ber", model},
                                   {"stuck_at_0", n.stuck_at_0},
                                   {"stuck_at_1", n.stuck_at_1},
                                   {"read_flip", n.read_flip}});
    t += fmt::format("{:>10.4f} {:>14} {:>12.4e} {:>12.4e} {:>10} {:>10} {:>10}\n", v, n.failing_cells, ber, model,
                     n.stuck_at_0, n.stuck_at_1, n.read_flip);
  }

  FaultCounts n = chip.faults_at(detail_v).counts();
  j["at_voltage"] = {{"voltage_v", detail_v},
                     {"failing_cells", n.failing_cells},
                     {"ber", double(n.failing_cells) / total},
                     {"faulty_words", n.faulty_words},
                     {"data_cells", n.data_cells},
                     {"check_cells", n.check_cells},
                     {"stuck_at_0", n.stuck_at_0},
                     {"stuck_at_1", n.stuck_at_1},
                     {"read_flip", n.read_flip},
                     {"zero_to_one_cells", n.zero_to_one_cells()},
                     {"one_to_zero_cells", n.one_to_zero_cells()},
                     {"per_bank", n.per_bank}};
  t += fmt::format(
      "\nat {:.4f} V: {} failing cells in {} words ({} data, {} check); stuck-at-0 {}, stuck-at-1 {}, "
      "read-flip {}; cells that can turn 0->1: {}, 1->0: {}\n",
      detail_v, n.failing_cells, n.faulty_words, n.data_cells, n.check_cells, n.stuck_at_0, n.stuck_at_1, n.read_flip,
      n.zero_to_one_cells(), n.one_to_zero_cells());
  t += fmt::format("{:>6} {:>14} {:>14}\n", "bank", "failing_cells", "bank_offset_v");
  for (int b = 0; b < params.geometry.banks; ++b)
    t += fmt::format("{:>6} {:>14} {:>14.5f}\n", b, n.per_bank[size_t(b)], chip.bank_offset_v(b));
  return r;
}

int64_t export_fault_map(const BitcellFailureParams& failure, const FaultGeometry& geometry, uint64_t seed,
                         std::optional<double> at_voltage_v, double min_voltage_v, const std::string& path) {
  ChipFaultModel chip(failure, geometry, seed);
  std::string source = fmt::format("lvsim chip: model {}, seed {}", failure.model, seed);
  if (at_voltage_v) {
    FaultMap m = chip.faults_at(*at_voltage_v);
    write_fault_map(ProfiledFaultMap::at_one_voltage(m, at_voltage_v), path, source);
    return int64_t(m.size());
  }
  ProfiledFaultMap m = chip.profile(min_voltage_v);
  write_fault_map(m, path, source);
  return int64_t(m.cells().size());
}

}  // namespace lvsim
