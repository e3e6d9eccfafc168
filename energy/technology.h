// Technology parameters: per-action energies at nominal voltage, leakage, voltage laws, domain
// voltage ranges and the bit-cell failure model's parameters (parsed and validated on load). One
// JSON file describes one technology; every field, unit and source is in docs/energy-model.md.
#pragma once

#include <nlohmann/json.hpp>

#include "memory/bitcell_failure_model.h"

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lvsim {

/// Allowed supply voltages of one domain, inclusive.
struct VoltageRange {
  double min_v = 0;
  double max_v = 0;
  bool contains(double v) const { return v >= min_v && v <= max_v; }
};

/// CACTI-like per-access energy fit of an SRAM at the nominal voltage:
/// E(bytes, word_bits) = E_ref * (bytes / ref_bytes)^size_exponent * (word_bits / ref_word_bits).
struct SramEnergyFit {
  double read_pj = 0;  // one ref_word_bits-wide access of a ref_bytes array
  double write_pj = 0;
  int64_t ref_bytes = 0;
  int ref_word_bits = 0;
  double size_exponent = 0;

  double read_pj_at(int64_t bytes, int word_bits) const;
  double write_pj_at(int64_t bytes, int word_bits) const;
  double scale(int64_t bytes, int word_bits) const;
};

/// Where one per-action figure of a technology file comes from (its `sources` entry).
struct SourceNote {
  std::string unit;    // e.g. "pJ per access", "pJ per bit"
  std::string source;  // paper or tool, table or figure, process and voltage, scaling; "estimate: ..." if so
};

/// Every field a technology file's `sources` object may (and a shipped preset must) describe.
const std::vector<std::string>& sourced_technology_fields();

/// Everything lvsim knows about a process technology; immutable after loading.
struct TechnologyParams {
  std::string name;
  std::string energy_unit = "pJ";  // "pJ", or "normalized" (the *_pj fields hold relative units)
  std::string source_file;         // where it was read from (named in later errors about operating points)

  // Nominal operating point: energies and leakage below are given at these voltages; clock_hz is
  // f_max at the nominal logic voltage.
  double v_sram_nominal_v = 0;
  double v_logic_nominal_v = 0;
  double clock_nominal_hz = 0;
  VoltageRange sram_range;
  VoltageRange logic_range;

  // Alpha-power law: f_max(V) = clock_nominal_hz * ((V - vth)^alpha / V) / ((Vnom - vth)^alpha / Vnom).
  double vth_v = 0;
  double alpha = 0;

  // Dynamic energies at nominal voltage (pJ). A MAC costs one multiply (by weight width) plus one
  // accumulator add.
  std::array<double, 9> mac_multiply_pj_by_weight_bits{};  // index m = 2..8 (m-bit weight x 8-bit activation)
  double accumulator_add_pj = 0;
  double pe_register_write_pj_per_bit = 0;       // a register bit capturing a new value
  double pe_register_idle_clock_pj_per_bit = 0;  // a register bit clocked with unchanged data (no gating)
  double pe_hop_pj = 0;
  SramEnergyFit weight_sram;  // ref_word_bits-wide word access of one bank
  SramEnergyFit buffer;       // per byte: read_pj/write_pj are per byte, ref_word_bits = 8
  double post_op_pj = 0;
  double norm_stat_op_pj = 0;  // groupnorm statistics: per input code (x^2, two accumulations)
  double rsqrt_op_pj = 0;      // groupnorm: one reciprocal square root (per group and image)
  double norm_op_pj = 0;       // groupnorm: per output element (normalize, affine, requantize)
  double ecc_encode_pj = 0;
  double ecc_decode_pj = 0;
  double dram_pj_per_byte = 0;  // off-chip, does not scale with on-chip voltages

  // Leakage at nominal voltage; P(V) = P_nom * (V/V_nom) * exp(k * (V - V_nom)).
  double leakage_k_per_v = 0;
  double sram_leakage_mw_per_kb = 0;  // weight SRAM (SRAM domain) and buffers (logic domain)
  double pe_leakage_mw = 0;

  // false: the weight SRAM periphery stays at the logic voltage and only the bit-cell array part
  // (sram_array_fraction of dynamic energy and leakage) follows V_sram.
  bool sram_periphery_follows_sram_voltage = true;
  double sram_array_fraction = 1.0;

  // Unit and source of each figure, keyed by its dotted path (e.g. "dynamic_energy.post_op_pj").
  std::map<std::string, SourceNote> sources;

  // The "bitcell_failure" object, parsed and validated with the rest of the file (unknown model
  // names and keys are errors even in runs that never use it); empty when the file has none.
  std::optional<BitcellFailureParams> bitcell_failure;

  /// Loads and validates a technology file; ConfigError/FormatError naming the file and field.
  static TechnologyParams from_json_file(const std::string& path);
  /// Same, from an already parsed document; `file` is used in messages.
  static TechnologyParams from_json(const nlohmann::json& j, const std::string& file);

  /// Maximum clock at a logic voltage (alpha-power law), Hz; 0 at or below vth.
  double f_max_hz(double v_logic_v) const;
  /// Dynamic energy factor (V/V_nom)^2 of the logic domain.
  double logic_dynamic_scale(double v_logic_v) const;
  /// Dynamic energy factor of a weight SRAM access (periphery flag applied).
  double sram_dynamic_scale(double v_sram_v, double v_logic_v) const;
  /// Leakage factor (V/V_nom) * exp(k (V - V_nom)).
  double leakage_scale(double v, double v_nominal) const;
  /// Leakage factor of the weight SRAM (periphery flag applied).
  double sram_leakage_scale(double v_sram_v, double v_logic_v) const;
};

}  // namespace lvsim
