// `lvsim recost`: the energy of a saved `lvsim run --json` report under another technology file,
// voltages or clock, from its action counts alone (no simulation). Gives exactly the energy keys
// a fresh run at that operating point reports (docs/energy-model.md "Re-costing").
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace lvsim {

struct RecostOptions {
  std::string report_path;                    // a `lvsim run --json` report (needs action_counts and images)
  std::string arch_path;                      // hardware sizes and gating (empty: built-in edge-16x16, as `run`)
  std::string tech_path;                      // technology (empty: built-in 45nm, as `run`)
  std::optional<double> v_sram_v, v_logic_v;  // default: the technology's nominal voltages
  std::string clock_mode = "fixed";           // fixed | follow_fmax | scale_nominal, on the architecture's clock
};

/// The energy part of a run report for the saved counts (keys as `lvsim run --json`: technology,
/// energy_unit, the EnergyReport keys, action_counts, model_load, energy_per_inference_with_model_load_pj).
/// ConfigError/FormatError naming the file and field on bad input.
nlohmann::json recost(const RecostOptions& options);

/// One-screen text form of recost()'s result.
std::string recost_text(const nlohmann::json& result);

}  // namespace lvsim
