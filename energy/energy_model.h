// Energy from counts: counts x per-action energy at the voltage of each action's domain, plus
// leakage power x time. Nothing here depends on how the counts were obtained, so one run's counts
// can be re-costed at any operating point (docs/energy-model.md).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>

#include "energy/action_counts.h"
#include "energy/operating_point.h"
#include "energy/technology.h"

namespace lvsim {

/// The hardware sizes the energy model needs (derived from the architecture by the caller).
struct EnergyHardware {
  int array_rows = 0;
  int array_cols = 0;
  int64_t weight_sram_bytes = 0;  // physical capacity incl. ECC check bits; = weight_sram_banks * bank_bytes
  int weight_sram_banks = 0;
  int64_t bank_bytes = 0;  // physical bytes of one bank incl. check bits
  int word_bits = 0;       // data bits per weight SRAM word
  int ecc_check_bits = 0;  // check bits stored beside each word (0: no ECC)
  int64_t input_buffer_bytes = 0;
  int64_t output_buffer_bytes = 0;
  // Gating (architecture options, docs/architecture.md): what the counted idle register clocks
  // and zero-operand MACs cost.
  bool pe_clock_gating = true;      // idle PE registers are not clocked: pe_register_bits_idle cost nothing
  bool zero_operand_gating = true;  // a MAC with a zero activation or weight does not toggle the multiplier/adder

  /// ConfigError (origin "energy hardware") on non-positive sizes or inconsistent SRAM sizes.
  void validate() const;
};

/// Energy per component, pJ.
struct EnergyBreakdown {
  double array_macs_pj = 0;       // multiplies + accumulator adds (logic)
  double pe_registers_pj = 0;     // PE register writes + inter-PE hops (logic)
  double weight_sram_pj = 0;      // word reads/writes (SRAM; periphery per the technology flag)
  double buffers_pj = 0;          // input/output buffer bytes (logic)
  double post_processing_pj = 0;  // post-processing ops (logic)
  double ecc_pj = 0;              // SECDED encodes/decodes (logic)
  double dram_pj = 0;             // off-chip bytes (not voltage scaled)
  double leakage_pj = 0;          // leakage power x time, all components

  double total_pj() const;
  /// {component: pJ} with keys array_macs, pe_registers, weight_sram, buffers, post_processing, ecc, dram, leakage.
  nlohmann::json to_json() const;
};

/// Leakage energy split by where it leaks, pJ (sums to EnergyBreakdown::leakage_pj).
struct LeakageBreakdown {
  double weight_sram_pj = 0;
  double buffers_pj = 0;
  double pes_pj = 0;
};

/// Energy of one count set at one operating point, with the nominal-voltage comparison.
struct EnergyReport {
  OperatingPoint op;
  EnergyBreakdown breakdown;
  LeakageBreakdown leakage;
  double energy_total_pj = 0;
  int64_t images = 0;
  double energy_per_inference_pj = 0;
  int64_t macs = 0;
  double energy_per_mac_pj = 0;        // 0 when no MACs were counted
  double time_s = 0;                   // cycles / clock
  double average_power_w = 0;          // total energy / time (0 when time is 0)
  double nominal_energy_total_pj = 0;  // same counts at the nominal operating point
  double saving_vs_nominal = 0;        // 1 - total / nominal total (0 when the nominal total is 0)
  EnergyBreakdown nominal_breakdown;   // per component at the nominal point (which domain saved what)
  // The seed paper's accounting: weight SRAM access energy only (dynamic reads and writes).
  double weight_sram_only_pj = 0;
  double weight_sram_only_nominal_pj = 0;
  double weight_sram_only_saving = 0;  // 1 - weight_sram_only / its nominal value
  bool pe_clock_gating = true, zero_operand_gating = true;
  // What zero-operand gating saved per inference: the array MAC energy (multiply + accumulator add
  // at V_logic) of the counted zero-operand MACs; 0 when the hardware does not gate them.
  double gating_saved_energy_per_inference_pj = 0;

  /// Keys: energy_per_inference_pj, energy_breakdown_pj, energy_share, leakage_breakdown_pj,
  /// energy_total_pj, energy_per_mac_pj, average_power_w, time_s, energy_nominal_total_pj,
  /// saving_vs_nominal, operating_point {v_sram_v, v_logic_v, clock_hz}, saving_by_component_pj,
  /// accountings {whole_accelerator, weight_sram_only}, gating {pe_clock_gating, zero_operand_gating},
  /// gating_saved_energy_per_inference_pj.
  nlohmann::json to_json() const;
};

/// Costs action counts for one technology and one hardware configuration.
class EnergyModel {
 public:
  /// Validates the hardware; precomputes per-access energies at nominal voltage.
  EnergyModel(TechnologyParams tech, EnergyHardware hw);

  /// Energy of `counts` (for `images` inferences, >= 1) at `op` (validated against the technology).
  EnergyReport cost(const ActionCounts& counts, const OperatingPoint& op, int64_t images) const;
  /// Only the per-component energies (no nominal comparison); the building block of cost().
  EnergyBreakdown breakdown(const ActionCounts& counts, const OperatingPoint& op,
                            LeakageBreakdown* leakage = nullptr) const;
  /// The energy zero-operand gating saved on `counts` at `op`, pJ: the MAC energy (multiply +
  /// accumulator add, V_logic scaled) of their zero-operand MACs, which without gating would toggle
  /// the multiplier and adder; 0 when the hardware does not gate (docs/energy-model.md, "Gating").
  double gating_saved_energy_pj(const ActionCounts& counts, const OperatingPoint& op) const;
  /// Total leakage power at `op`, W.
  double leakage_power_w(const OperatingPoint& op) const;

  const TechnologyParams& technology() const { return tech_; }
  const EnergyHardware& hardware() const { return hw_; }
  /// Per-access energies at nominal voltage, pJ (weight SRAM word incl. check bits; buffers per byte).
  double weight_sram_read_pj() const { return sram_read_pj_; }
  double weight_sram_write_pj() const { return sram_write_pj_; }
  double input_buffer_read_pj_per_byte() const { return in_read_pj_; }
  double input_buffer_write_pj_per_byte() const { return in_write_pj_; }
  double output_buffer_read_pj_per_byte() const { return out_read_pj_; }
  double output_buffer_write_pj_per_byte() const { return out_write_pj_; }

 private:
  TechnologyParams tech_;
  EnergyHardware hw_;
  double sram_read_pj_ = 0, sram_write_pj_ = 0;
  double in_read_pj_ = 0, in_write_pj_ = 0, out_read_pj_ = 0, out_write_pj_ = 0;
};

}  // namespace lvsim
