#include "sim/cli/topology_run.h"

#include <fmt/format.h>

#include <filesystem>
#include <sstream>

#include "common/errors.h"
#include "common/output_file.h"
#include "energy/action_counts_json.h"
#include "energy/energy_model.h"
#include "energy/operating_point.h"
#include "models/architecture.h"
#include "models/timing_model.h"
#include "models/workload_timing.h"
#include "sim/cli/presets.h"
#include "sim/report/run_report.h"

namespace lvsim {
namespace {

nlohmann::json layer_json(const std::string& name, const LayerTiming& t, const EnergyModel& em,
                          const OperatingPoint& op) {
  return {{"name", name},
          {"cycles", t.cycles},
          {"array_cycles", t.array_cycles},
          {"stall_cycles", t.stall_cycles},
          {"post_cycles", t.post_cycles},
          {"folds", t.folds},
          {"macs", t.macs},
          {"utilization", t.utilization},
          {"mapping_efficiency", t.mapping_efficiency},
          {"compute_utilization", t.compute_utilization},
          {"scalesim_cycles", t.scalesim_cycles},
          {"dram_bytes", t.counts.dram_bytes},
          {"energy_pj", em.breakdown(t.counts, op).total_pj()}};
}

std::string report_text(const nlohmann::json& j, const ArchitectureParams& arch) {
  const double e = j.at("energy_per_inference_pj").get<double>();
  const bool units = j.at("energy_unit") == "normalized";
  auto energy = [&](double pj) { return units ? fmt::format("{:.4g} units", pj) : si(pj * 1e-12, "J"); };
  std::string s =
      fmt::format("topology    {} ({}), {} layers, {} MACs, {} of weights\n", j.at("topology").get<std::string>(),
                  j.at("topology_file").get<std::string>(), j.at("layers").size(), si(j.at("macs").get<double>(), ""),
                  si(j.at("weight_bytes").get<double>(), "B"));
  s += fmt::format("hardware    {}: {}x{} {}, clock {}, weights {}\n", arch.name, arch.rows, arch.cols,
                   describe_mapping(arch).text(), si(arch.clock_hz, "Hz"),
                   arch.weight_sram.streamed ? "streamed from DRAM" : "resident");
  s +=
      fmt::format("time        {} cycles, {} per inference, utilization {:.1f}%\n", j.at("total_cycles").get<int64_t>(),
                  si(j.at("latency_s").get<double>(), "s"), 100.0 * j.at("utilization").get<double>());
  s += fmt::format("energy      {}/inference ({}); DRAM {}/inference\n", energy(e),
                   j.at("technology").get<std::string>(), si(j.at("dram_bytes").get<double>(), "B"));
  s += "  ";
  for (const auto& [k, v] : j.at("energy_breakdown_pj").items())
    s += fmt::format(" {} {:.1f}%", k, e > 0 ? 100.0 * v.get<double>() / e : 0.0);
  const bool mapped = arch.maps_layers();
  s += fmt::format("\n\n{:<24} {:>12} {:>10} {:>6} {:>16} {:>12}{}\n", "layer", "cycles", "stall", "util%",
                   "SCALE-Sim cycles", "energy", mapped ? "  dataflow" : "");
  for (const nlohmann::json& l : j.at("layers"))
    s += fmt::format("{:<24} {:>12} {:>10} {:>6.1f} {:>16} {:>12}{}\n", l.at("name").get<std::string>(),
                     l.at("cycles").get<int64_t>(), l.at("stall_cycles").get<int64_t>(),
                     100.0 * l.at("utilization").get<double>(), l.at("scalesim_cycles").get<int64_t>(),
                     energy(l.at("energy_pj").get<double>()),
                     mapped ? "  " + l.at("dataflow").get<std::string>() : std::string());
  return s;
}

}  // namespace

TopologyReport run_topology(const RunOptions& opt, const std::string& topology_path) {
  const std::vector<NamedInput> inputs = {{topology_path, "the topology file"},
                                          {opt.arch_path, "the architecture file"},
                                          {opt.tech_path, "the technology file"}};
  check_output_not_input(opt.output_path, "command line: --output", inputs);
  check_output_not_input(opt.compute_report_path, "command line: --compute-report", inputs);
  ArchitectureParams arch = load_architecture(opt.arch_path);
  const TechnologyParams tech = load_technology(opt.tech_path);
  const OperatingPoint nominal = nominal_operating_point(tech);
  const OperatingPoint op =
      make_operating_point(tech, opt.v_sram_v.value_or(nominal.v_sram_v), opt.v_logic_v.value_or(nominal.v_logic_v),
                           opt.clock_mode, arch.clock_hz);
  arch.clock_hz = op.clock_hz;  // DRAM transfers take bandwidth / clock bytes per cycle
  const std::string name = std::filesystem::path(topology_path).stem().string();
  const LoadedWorkload w = at_weight_bits(load_workload(name, topology_path, true), opt.weight_bits.value_or(0));
  const WorkloadResult r = time_workload(w, arch, &tech);
  if (!r.feasible) throw ConfigError(r.reason);  // names the layer, the architecture file and the field
  const EnergyModel em(tech, energy_hardware(arch));
  const EnergyReport e = em.cost(r.counts, op, 1);

  nlohmann::json j;
  j["topology"] = name;
  j["topology_file"] = topology_path;
  j["architecture"] = {
      {"name", arch.name},       {"rows", arch.rows},
      {"cols", arch.cols},       {"dataflow", arch.maps_layers() ? "per_layer" : dataflow_name(arch.dataflow)},
      {"clock_hz", op.clock_hz}, {"weights", arch.weight_sram.streamed ? "streamed" : "resident"}};
  add_mapping_json(j["architecture"], describe_mapping(arch));
  if (arch.weight_prefetch) j["architecture"]["weight_prefetch"] = true;
  if (arch.post_processing_overlap) j["architecture"]["post_processing_overlap"] = true;
  j["technology"] = tech.name;
  j["energy_unit"] = tech.energy_unit;
  if (opt.weight_bits) j["weight_bits"] = *opt.weight_bits;
  j["total_cycles"] = r.cycles;
  j["latency_s"] = double(r.cycles) / op.clock_hz;
  j["throughput_inferences_per_s"] = op.clock_hz / double(r.cycles);
  j["utilization"] = double(r.macs) / (double(r.cycles) * double(arch.pes()));
  j["macs"] = r.macs;
  j["weight_bytes"] = r.weight_bytes;
  j["dram_bytes"] = r.counts.dram_bytes;
  const nlohmann::json energy = e.to_json();
  for (const auto& [k, v] : energy.items()) j[k] = v;
  j["action_counts"] = action_counts_to_json(r.counts);
  j["layers"] = nlohmann::json::array();
  std::vector<std::pair<int64_t, LayerTiming>> rows;
  for (size_t i = 0; i < r.layers.size(); ++i) {
    const auto& [layer, t] = r.layers[i];
    j["layers"].push_back(layer_json(layer, t, em, op));
    if (r.mapped) j["layers"].back()["dataflow"] = dataflow_name(r.layer_dataflows[i]);
    rows.emplace_back(int64_t(rows.size()), t);
  }
  TopologyReport rep;
  rep.json = std::move(j);
  rep.text = report_text(rep.json, arch);
  std::ostringstream csv;
  write_compute_report_csv(csv, rows, r.mapped ? &r.layer_dataflows : nullptr);
  rep.compute_report_csv = csv.str();
  return rep;
}

}  // namespace lvsim
