#include "sim/report/run_report.h"

#include <fmt/format.h>

#include <string_view>

#include "common/errors.h"
#include "energy/action_counts_json.h"
#include "sim/version.h"

namespace lvsim {

std::string si(double v, const char* unit) {
  const char* prefixes[] = {"p", "n", "u", "m", "", "k", "M", "G", "T"};
  int i = 4;
  double a = std::abs(v);
  while (a >= 1000 && i < 8) a /= 1000, v /= 1000, ++i;
  while (a < 1 && a > 0 && i > 0) a *= 1000, v *= 1000, --i;
  return fmt::format("{:.3g} {}{}", v, prefixes[i], unit);
}

namespace {

nlohmann::json shape_json(const Shape& s) {
  return nlohmann::json::array({s.c, s.h, s.w});
}
std::string shape_text(const Shape& s) {
  return fmt::format("{}x{}x{}", s.c, s.h, s.w);
}

nlohmann::json optional_json(const std::optional<double>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json();
}

// The configured rate under its own name: a stuck cell fraction is not a bit error rate.
std::string fault_rate_text(const FaultReport& f) {
  if (f.stuck_cell_fraction)
    return fmt::format(" (stuck_at: stuck cell fraction {:.3g}, {:.3g} of them stuck at 1)", *f.stuck_cell_fraction,
                       f.stuck_at_1_fraction.value_or(0.5));
  if (!f.ber) return "";
  return f.source == "chip" ? fmt::format(" (expected failing cell fraction {:.3g})", *f.ber)
                            : fmt::format(" (bit_flip: p = {:.3g})", *f.ber);
}

// The "faults" object (docs/report.md); bit_errors itself is at the top level.
nlohmann::json faults_json(const FaultReport& f) {
  nlohmann::json j = {{"source", f.source},
                      {"rate_model", f.rate_model.empty() ? nlohmann::json() : nlohmann::json(f.rate_model)},
                      {"stuck_cell_fraction", optional_json(f.stuck_cell_fraction)},
                      {"stuck_at_1_fraction", optional_json(f.stuck_at_1_fraction)},
                      {"bit_error_rate", f.bit_error_rate()},
                      {"voltage_v", optional_json(f.voltage_v)},
                      {"cells", f.cells},
                      {"bits_stored", f.bits_stored},
                      {"failing_cells", f.failing_cells},
                      {"stuck_at_0", f.stuck_at_0},
                      {"stuck_at_1", f.stuck_at_1},
                      {"read_flip", f.read_flip},
                      {"faulty_words", f.faulty_words},
                      {"bit_errors_by_bit", f.bit_errors_by_bit},
                      {"ecc", f.ecc},
                      {"transient_ber", f.transient_ber}};
  WeightErrorCounts::for_each_count([&](const char* name, int64_t WeightErrorCounts::*m) {
    if (std::string_view(name) != "bit_errors") j[name] = f.*m;
  });
  return j;
}

nlohmann::json layer_json(const LayerReport& l) {
  nlohmann::json j = {{"name", l.name},
                      {"type", l.type},
                      {"input_shape", shape_json(l.input_shape)},
                      {"output_shape", shape_json(l.output_shape)},
                      {"macs", l.macs_per_image},
                      {"weights", l.weights},
                      {"weight_bits", l.weight_bits},
                      {"cycles", l.cycles},
                      {"stall_cycles", l.stall_cycles},
                      {"folds", l.folds},
                      {"utilization", l.utilization},
                      {"mapping_efficiency", l.mapping_efficiency},
                      {"compute_utilization", l.compute_utilization},
                      {"weight_sram_reads", l.weight_sram_reads},
                      {"energy_pj", l.energy_pj},
                      {"energy_breakdown_pj", l.energy_breakdown_pj},
                      {"action_counts", action_counts_to_json(l.counts)},
                      {"activation_sparsity", optional_json(l.activation_sparsity)},
                      {"gating_saved_energy_per_inference_pj", l.gating_saved_energy_per_inference_pj}};
  if (!l.dataflow.empty()) j["dataflow"] = l.dataflow;
  return j;
}

}  // namespace

nlohmann::json RunReport::to_json() const {
  nlohmann::json j;
  j["lvsim_version"] = kVersion;
  j["network"] = network_name;
  j["network_file"] = network_file;
  j["data"] = data_dir;
  j["mode"] = run_mode_name(mode);
  j["threads"] = threads;
  j["calibrated"] = calibrated;
  j["images"] = images;
  j["correct"] = correct;
  j["accuracy"] = accuracy;
  j["accuracy_clean"] = accuracy_clean;
  j["robust_error"] = optional_json(robust_error);
  j["activation_sparsity"] = optional_json(activation_sparsity);
  j["wall_time_s"] = wall_time_s;
  j["images_per_second"] = images_per_second;
  j["macs_per_image"] = macs_per_image;
  j["arch"] = {{"name", arch_name},
               {"rows", array_rows},
               {"cols", array_cols},
               {"dataflow", mapping.dataflow},
               {"clock_hz", clock_hz}};
  add_mapping_json(j["arch"], mapping);
  if (weight_prefetch) j["arch"]["weight_prefetch"] = true;
  if (post_processing_overlap) j["arch"]["post_processing_overlap"] = true;
  j["total_cycles"] = total_cycles;
  j["cycles_per_image"] = images ? total_cycles / images : 0;
  j["simulated_time_s"] = simulated_time_s;
  j["simulated_images_per_second"] = simulated_images_per_second;

  // Faults (docs/report.md): ber is the configured rate of the fault source (bit_flip: bit error
  // rate; stuck_at: stuck cell fraction; chip: expected cell failure fraction at the weight-SRAM
  // voltage); faults.bit_error_rate is what the stored weight bits measured.
  j["ber"] = optional_json(faults.ber);
  j["chip_seed"] = faults.chip_seed;
  j["bit_errors"] = faults.bit_errors;
  j["faults"] = faults_json(faults);

  j["technology"] = technology;
  j["energy_unit"] = energy_unit;
  if (energy) {
    nlohmann::json e = energy->to_json();
    for (auto it = e.begin(); it != e.end(); ++it) j[it.key()] = it.value();
  }
  j["action_counts"] = action_counts_to_json(counts);
  j["dram"] = {
      {"bandwidth_bytes_per_s", dram_bandwidth_bytes_per_s},
      {"weights", weights_streamed ? "streamed" : "resident"},
      {"weight_sram_writes_per_inference", images ? double(counts.weight_sram_writes) / double(images) : 0.0},
      {"bytes_per_inference", images ? double(counts.dram_bytes) / double(images) : 0.0},
      {"transfer_time_per_inference_s", images && dram_bandwidth_bytes_per_s > 0
                                            ? double(counts.dram_bytes) / double(images) / dram_bandwidth_bytes_per_s
                                            : 0.0}};
  if (model_load_energy && energy) {
    const double amortized = model_load_energy->energy_total_pj / double(inferences_per_model_load);
    j["model_load"] = {{"action_counts", action_counts_to_json(model_load_counts)},
                       {"energy_pj", model_load_energy->energy_total_pj},
                       {"energy_breakdown_pj", model_load_energy->breakdown.to_json()},
                       {"inferences_per_model_load", inferences_per_model_load},
                       {"amortized_per_inference_pj", amortized}};
    j["energy_per_inference_with_model_load_pj"] = energy->energy_per_inference_pj + amortized;
  }

  nlohmann::json layers_json = nlohmann::json::array();
  for (const auto& l : layers) layers_json.push_back(layer_json(l));
  j["layers"] = layers_json;
  j["predictions"] = predictions;
  j["predictions_clean"] = predictions_clean;
  j["labels"] = labels;
  return j;
}

// Both accountings side by side, the model load, and the gating the energy assumes.
std::string RunReport::energy_accounting_text() const {
  const EnergyReport& e = *energy;
  std::string s = fmt::format(
      "  saving: whole accelerator {:.1f}%, weight SRAM accesses only (seed paper's accounting) {:.1f}%; "
      "PE clock gating {}, zero-operand gating {}\n",
      100.0 * e.saving_vs_nominal, 100.0 * e.weight_sram_only_saving, e.pe_clock_gating ? "on" : "off",
      e.zero_operand_gating ? "on" : "off");
  // What zero-operand gating bought: the MAC energy of the gated MACs (docs/energy-model.md).
  const double saved = e.gating_saved_energy_per_inference_pj;
  const double without = e.energy_per_inference_pj + saved;
  s += fmt::format(
      "  zero-operand gating saved {}/inference ({:.1f}% of the energy without it){}\n",
      energy_unit == "normalized" ? fmt::format("{:.4g} units", saved) : si(saved * 1e-12, "J"),
      without > 0 ? 100.0 * saved / without : 0.0,
      activation_sparsity ? fmt::format("; activation sparsity {:.1f}%", 100.0 * *activation_sparsity) : "");
  if (weights_streamed && images > 0)
    s += fmt::format(
        "  weights streamed from DRAM every inference: {} words written into the weight SRAM, {}/inference\n",
        counts.weight_sram_writes / images, si(double(counts.dram_bytes) / double(images), "B"));
  if (model_load_energy) {
    const double load = model_load_energy->energy_total_pj;
    const bool units = energy_unit == "normalized";
    s += fmt::format("  model load {} once ({} weight words), amortized over {} inferences: {}/inference\n",
                     units ? fmt::format("{:.4g} units", load) : si(load * 1e-12, "J"),
                     model_load_counts.weight_sram_writes, inferences_per_model_load,
                     units ? fmt::format("{:.4g} units", load / double(inferences_per_model_load))
                           : si(load / double(inferences_per_model_load) * 1e-12, "J"));
  }
  return s;
}

std::string RunReport::to_text() const {
  std::string s;
  s += fmt::format("network     {} ({}), {} MACs/image\n", network_name, network_file, macs_per_image);
  s += fmt::format("data        {} ({} test images)\n", data_dir, images);
  s += fmt::format("hardware    {}: {}x{} {}, clock {}\n", arch_name, array_rows, array_cols, mapping.text(),
                   si(clock_hz, "Hz"));
  s += fmt::format("mode        {} ({} thread{}){}\n", run_mode_name(mode), threads, threads == 1 ? "" : "s",
                   calibrated ? ", activations calibrated" : "");
  s += fmt::format("accuracy    {:.4f} ({} / {}){}\n", accuracy, correct, images,
                   faults.bit_errors ? fmt::format(", clean {:.4f}", accuracy_clean) : "");
  if (robust_error) s += fmt::format("robust err  {:.4f}\n", *robust_error);
  if (faults.source != "none") {
    s += fmt::format(
        "faults      {}{}{}: {} failing cells of {}, {} weight bit errors in {} stored bits "
        "(bit error rate {:.3g})",
        faults.source, faults.voltage_v ? fmt::format(" at V_sram {} V", *faults.voltage_v) : "",
        fault_rate_text(faults), faults.failing_cells, faults.cells, faults.bit_errors, faults.bits_stored,
        faults.bit_error_rate());
    if (faults.ecc != "none")
      s += fmt::format("; ECC corrected {}, detected {}, silent {}", faults.ecc_corrected, faults.ecc_detected,
                       faults.ecc_silent);
    if (faults.transient_ber > 0)
      s += fmt::format("; transient read errors {:.3g} per bit and read: {} bits flipped", faults.transient_ber,
                       faults.transient_bit_errors);
    s += "\n";
  }
  s += fmt::format("time        {} cycles ({}/image), {} simulated, {:.1f} images/s simulated\n", total_cycles,
                   images ? total_cycles / images : 0, si(simulated_time_s, "s"), simulated_images_per_second);
  if (energy && energy_unit == "normalized") {
    // Relative units (e.g. one SRAM access at Vmin = 1): no joules or watts to show.
    s += fmt::format(
        "energy      {:.4g} units/inference, {:.4g} units/MAC (normalized); {:.1f}% saved vs nominal ({})\n",
        energy->energy_per_inference_pj, energy->energy_per_mac_pj, 100.0 * energy->saving_vs_nominal, technology);
  } else if (energy) {
    s += fmt::format("energy      {}/inference, {}/MAC, {} average; {:.1f}% saved vs nominal ({})\n",
                     si(energy->energy_per_inference_pj * 1e-12, "J"), si(energy->energy_per_mac_pj * 1e-12, "J"),
                     si(energy->average_power_w, "W"), 100.0 * energy->saving_vs_nominal, technology);
    s += fmt::format("  V_sram {} V, V_logic {} V;", energy->op.v_sram_v, energy->op.v_logic_v);
    const nlohmann::json b = energy->breakdown.to_json();
    const double total = energy->energy_total_pj > 0 ? energy->energy_total_pj : 1;
    for (auto it = b.begin(); it != b.end(); ++it)
      s += fmt::format(" {} {:.1f}%", it.key(), 100.0 * it.value().get<double>() / total);
    s += "\n";
  }
  if (energy) s += energy_accounting_text();
  s += fmt::format("speed       {:.0f} images/s ({:.3f} s wall)\n\n", images_per_second, wall_time_s);
  return s + layer_table_text();
}

std::string RunReport::layer_table_text() const {
  const bool mapped = mapping.mapped();
  std::string s = fmt::format("{:<10} {:<10} {:>10} {:>10} {:>11} {:>4} {:>12} {:>6} {:>11} {:>12} {:>9}{}\n", "layer",
                              "type", "input", "output", "MACs", "bits", "cycles/img", "util%", "SRAM reads",
                              "energy/img", "sparsity%", mapped ? "  dataflow" : "");
  const int64_t n = images > 0 ? images : 1;
  for (const auto& l : layers)
    s += fmt::format("{:<10} {:<10} {:>10} {:>10} {:>11} {:>4} {:>12} {:>6.1f} {:>11} {:>12} {:>9}{}\n", l.name, l.type,
                     shape_text(l.input_shape), shape_text(l.output_shape), l.macs_per_image,
                     l.weight_bits ? std::to_string(l.weight_bits) : "-", l.cycles / n, 100.0 * l.utilization,
                     l.weight_sram_reads / n,
                     energy_unit == "normalized" ? fmt::format("{:.4g}", l.energy_pj / double(n))
                                                 : si(l.energy_pj / double(n) * 1e-12, "J"),
                     l.activation_sparsity ? fmt::format("{:.1f}", 100.0 * *l.activation_sparsity) : "-",
                     mapped ? "  " + (l.dataflow.empty() ? std::string("-") : l.dataflow) : std::string());
  s += fmt::format("{:<10} {:<10} {:>10} {:>10} {:>11} {:>4} {:>12}\n", "total", "", "", "", macs_per_image, "",
                   total_cycles / n);
  return s;
}

void add_mapping_json(nlohmann::json& arch, const MappingDescription& m) {
  if (!m.mapped()) return;
  arch["dataflows"] = m.dataflows;
  arch["mapping_objective"] = m.objective;
}

}  // namespace lvsim
