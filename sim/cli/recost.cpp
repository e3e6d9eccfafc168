#include "sim/cli/recost.h"

#include <fmt/format.h>

#include <cmath>

#include "common/errors.h"
#include "common/json_reader.h"
#include "energy/action_counts_json.h"
#include "energy/energy_model.h"
#include "energy/operating_point.h"
#include "sim/cli/presets.h"

namespace lvsim {

namespace {

// Largest count a saved report may hold: a run counts far less (2^62 register bit-clocks is about
// 10^5 s of a 4096 x 4096 array at 1 GHz), and sums of counts then stay within 64 bits.
constexpr int64_t kMaxSavedCount = int64_t(1) << 62;
// Largest array the architecture files allow (rows, cols <= 4096): at most one MAC per PE and cycle.
constexpr int64_t kMaxMacsPerCycle = int64_t(4096) * 4096;

// Counts a run can have produced: each within kMaxSavedCount, and no work without cycles (a run's
// cycles bound its MACs); `field` is where they are in the report, for messages.
void check_saved_counts(const ActionCounts& c, const std::string& path, const std::string& field, bool has_cycles) {
  __int128 macs = 0;
  for (int64_t v : c.macs_by_weight_bits) macs += v;
  if (macs > kMaxSavedCount)
    throw ConfigError(
        located(path, field + ".macs_by_weight_bits", "the MACs add up to more than 2^62 (not counts a run produces)"));
  const nlohmann::json counts = action_counts_to_json(c);  // named: items() must not outlive it
  for (const auto& [name, v] : counts.items())
    if (v.is_number_integer() && v.get<int64_t>() > kMaxSavedCount)
      throw ConfigError(located(path, field + "." + name,
                                "value " + v.dump() + " out of range [0, " + std::to_string(kMaxSavedCount) + "]"));
  if (!has_cycles) return;
  if (c.cycles == 0 && c != ActionCounts{})
    throw ConfigError(located(path, field + ".cycles",
                              "0 cycles for a run that did work (" + std::to_string(int64_t(macs)) + " MACs)"));
  if (macs > __int128(c.cycles) * kMaxMacsPerCycle)
    throw ConfigError(located(path, field + ".cycles",
                              std::to_string(c.cycles) + " cycles for " + std::to_string(int64_t(macs)) +
                                  " MACs (more than one MAC per PE and cycle on the largest array, 4096 x 4096)"));
}

// The counts a report saved: per-inference work over `images`, and one model load.
struct SavedCounts {
  ActionCounts run;
  int64_t images = 0;
  std::optional<ActionCounts> model_load;
};

SavedCounts read_saved(const std::string& path) {
  const nlohmann::json doc = parse_json_file(path);
  if (!doc.is_object()) throw FormatError(located(path, "", "expected a JSON object (a `lvsim run --json` report)"));
  SavedCounts s;
  if (!doc.contains("action_counts")) throw ConfigError(located(path, "action_counts", "missing required field"));
  s.run = action_counts_from_json(doc.at("action_counts"), path, "action_counts");
  check_saved_counts(s.run, path, "action_counts", true);
  if (!doc.contains("images") || !doc.at("images").is_number_integer() || doc.at("images").get<int64_t>() < 1)
    throw ConfigError(located(path, "images", "missing or not a positive integer"));
  s.images = doc.at("images").get<int64_t>();
  if (doc.contains("model_load")) {
    const nlohmann::json& m = doc.at("model_load");
    if (!m.is_object() || !m.contains("action_counts"))
      throw ConfigError(located(path, "model_load.action_counts", "missing required field"));
    s.model_load = action_counts_from_json(m.at("action_counts"), path, "model_load.action_counts");
    check_saved_counts(*s.model_load, path, "model_load.action_counts", false);  // its cycles follow the clock
  }
  return s;
}

}  // namespace

nlohmann::json recost(const RecostOptions& opt) {
  const SavedCounts saved = read_saved(opt.report_path);
  const ArchitectureParams arch = load_architecture(opt.arch_path);
  const TechnologyParams tech = load_technology(opt.tech_path);
  const OperatingPoint nominal = nominal_operating_point(tech);
  const OperatingPoint op =
      make_operating_point(tech, opt.v_sram_v.value_or(nominal.v_sram_v), opt.v_logic_v.value_or(nominal.v_logic_v),
                           clock_mode_from_string(opt.clock_mode, "command line", "--clock-mode"), arch.clock_hz);
  const EnergyModel model(tech, energy_hardware(arch));
  const EnergyReport e = model.cost(saved.run, op, saved.images);

  nlohmann::json j = e.to_json();
  j["technology"] = tech.name;
  j["energy_unit"] = tech.energy_unit;
  j["action_counts"] = action_counts_to_json(saved.run);
  if (saved.model_load) {
    // The load's duration is DRAM-bandwidth bound: its cycles follow the clock being costed.
    ActionCounts load = *saved.model_load;
    load.cycles = dram_transfer_cycles(arch, load.dram_bytes, op.clock_hz);
    const EnergyReport le = model.cost(load, op, 1);
    const double amortized = le.energy_total_pj / double(arch.inferences_per_model_load);
    j["model_load"] = {{"action_counts", action_counts_to_json(load)},
                       {"energy_pj", le.energy_total_pj},
                       {"energy_breakdown_pj", le.breakdown.to_json()},
                       {"inferences_per_model_load", arch.inferences_per_model_load},
                       {"amortized_per_inference_pj", amortized}};
    j["energy_per_inference_with_model_load_pj"] = e.energy_per_inference_pj + amortized;
  }
  return j;
}

std::string recost_text(const nlohmann::json& r) {
  const auto& op = r.at("operating_point");
  std::string s =
      fmt::format("technology  {} (V_sram {} V, V_logic {} V, clock {} Hz)\n", r.at("technology").get<std::string>(),
                  op.at("v_sram_v").get<double>(), op.at("v_logic_v").get<double>(), op.at("clock_hz").get<double>());
  s += fmt::format(
      "energy      {:.6g} {}/inference; saving vs nominal: whole accelerator {:.1f}%, weight SRAM only {:.1f}%\n",
      r.at("energy_per_inference_pj").get<double>(), r.at("energy_unit").get<std::string>(),
      100.0 * r.at("saving_vs_nominal").get<double>(),
      100.0 * r.at("accountings").at("weight_sram_only").at("saving_vs_nominal").get<double>());
  const auto& b = r.at("energy_breakdown_pj");
  const double total = std::max(r.at("energy_total_pj").get<double>(), 1e-300);
  s += "breakdown  ";
  for (auto it = b.begin(); it != b.end(); ++it)
    s += fmt::format(" {} {:.1f}%", it.key(), 100.0 * it.value().get<double>() / total);
  s += "\n";
  return s;
}

}  // namespace lvsim
