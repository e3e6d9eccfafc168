#include "energy/energy_model.h"

#include <algorithm>

#include "common/errors.h"

namespace lvsim {

namespace {

const char* const kHardware = "energy hardware";
const char* const kCounts = "action counts";

void require_positive(int64_t v, const char* field) {
  if (v <= 0) throw ConfigError(located(kHardware, field, "must be > 0 (got " + std::to_string(v) + ")"));
}

void require_count(int64_t v, const std::string& field) {
  if (v < 0) throw ConfigError(located(kCounts, field, "negative count " + std::to_string(v)));
}

void validate_counts(const ActionCounts& c, const EnergyHardware& hw) {
  for (int m = 0; m < int(c.macs_by_weight_bits.size()); ++m) {
    const std::string field = "macs_by_weight_bits[" + std::to_string(m) + "]";
    require_count(c.macs_by_weight_bits[m], field);
    if (m < 2 && c.macs_by_weight_bits[m] != 0)
      throw ConfigError(located(kCounts, field, "MACs counted at an unsupported weight width (2..8 bits)"));
    const std::string zero = "zero_operand_macs_by_weight_bits[" + std::to_string(m) + "]";
    require_count(c.zero_operand_macs_by_weight_bits[m], zero);
    if (c.zero_operand_macs_by_weight_bits[m] > c.macs_by_weight_bits[m])
      throw ConfigError(located(kCounts, zero, "exceeds " + field));
  }
  require_count(c.pe_register_bits_written, "pe_register_bits_written");
  require_count(c.pe_register_bits_idle, "pe_register_bits_idle");
  require_count(c.pe_hops, "pe_hops");
  require_count(c.weight_sram_reads, "weight_sram_reads");
  require_count(c.weight_sram_writes, "weight_sram_writes");
  require_count(c.ecc_decodes, "ecc_decodes");
  require_count(c.ecc_encodes, "ecc_encodes");
  require_count(c.input_buffer_reads, "input_buffer_reads");
  require_count(c.input_buffer_writes, "input_buffer_writes");
  require_count(c.output_buffer_reads, "output_buffer_reads");
  require_count(c.output_buffer_writes, "output_buffer_writes");
  require_count(c.post_ops, "post_ops");
  require_count(c.norm_stat_ops, "norm_stat_ops");
  require_count(c.rsqrt_ops, "rsqrt_ops");
  require_count(c.norm_ops, "norm_ops");
  require_count(c.dram_bytes, "dram_bytes");
  require_count(c.cycles, "cycles");
  if (hw.ecc_check_bits == 0 && (c.ecc_decodes != 0 || c.ecc_encodes != 0))
    throw ConfigError(located(kCounts, "ecc_decodes", "ECC actions counted but the hardware has no check bits"));
}

}  // namespace

void EnergyHardware::validate() const {
  require_positive(array_rows, "array_rows");
  require_positive(array_cols, "array_cols");
  require_positive(weight_sram_bytes, "weight_sram_bytes");
  require_positive(weight_sram_banks, "weight_sram_banks");
  require_positive(bank_bytes, "bank_bytes");
  require_positive(word_bits, "word_bits");
  require_positive(input_buffer_bytes, "input_buffer_bytes");
  require_positive(output_buffer_bytes, "output_buffer_bytes");
  if (ecc_check_bits < 0) throw ConfigError(located(kHardware, "ecc_check_bits", "must be >= 0"));
  if (weight_sram_bytes != int64_t(weight_sram_banks) * bank_bytes)
    throw ConfigError(located(kHardware, "weight_sram_bytes",
                              std::to_string(weight_sram_bytes) + " != weight_sram_banks x bank_bytes (" +
                                  std::to_string(weight_sram_banks) + " x " + std::to_string(bank_bytes) + ")"));
}

double EnergyBreakdown::total_pj() const {
  return array_macs_pj + pe_registers_pj + weight_sram_pj + buffers_pj + post_processing_pj + ecc_pj + dram_pj +
         leakage_pj;
}

nlohmann::json EnergyBreakdown::to_json() const {
  return nlohmann::json{{"array_macs", array_macs_pj},
                        {"pe_registers", pe_registers_pj},
                        {"weight_sram", weight_sram_pj},
                        {"buffers", buffers_pj},
                        {"post_processing", post_processing_pj},
                        {"ecc", ecc_pj},
                        {"dram", dram_pj},
                        {"leakage", leakage_pj}};
}

nlohmann::json EnergyReport::to_json() const {
  nlohmann::json breakdown_j = breakdown.to_json();
  const nlohmann::json nominal_j = nominal_breakdown.to_json();
  nlohmann::json share = nlohmann::json::object(), saved = nlohmann::json::object();
  for (auto it = breakdown_j.begin(); it != breakdown_j.end(); ++it) {
    share[it.key()] = energy_total_pj > 0 ? it.value().get<double>() / energy_total_pj : 0.0;
    saved[it.key()] = nominal_j.at(it.key()).get<double>() - it.value().get<double>();
  }
  const nlohmann::json accountings = {{"whole_accelerator",
                                       {{"energy_pj", energy_total_pj},
                                        {"energy_nominal_pj", nominal_energy_total_pj},
                                        {"saving_vs_nominal", saving_vs_nominal}}},
                                      {"weight_sram_only",
                                       {{"energy_pj", weight_sram_only_pj},
                                        {"energy_nominal_pj", weight_sram_only_nominal_pj},
                                        {"saving_vs_nominal", weight_sram_only_saving}}}};
  return nlohmann::json{
      {"saving_by_component_pj", saved},
      {"accountings", accountings},
      {"gating", {{"pe_clock_gating", pe_clock_gating}, {"zero_operand_gating", zero_operand_gating}}},
      {"gating_saved_energy_per_inference_pj", gating_saved_energy_per_inference_pj},
      {"energy_per_inference_pj", energy_per_inference_pj},
      {"energy_breakdown_pj", breakdown_j},
      {"energy_share", share},
      {"leakage_breakdown_pj",
       {{"weight_sram", leakage.weight_sram_pj}, {"buffers", leakage.buffers_pj}, {"pes", leakage.pes_pj}}},
      {"energy_total_pj", energy_total_pj},
      {"energy_per_mac_pj", energy_per_mac_pj},
      {"average_power_w", average_power_w},
      {"time_s", time_s},
      {"images", images},
      {"energy_nominal_total_pj", nominal_energy_total_pj},
      {"saving_vs_nominal", saving_vs_nominal},
      {"operating_point", {{"v_sram_v", op.v_sram_v}, {"v_logic_v", op.v_logic_v}, {"clock_hz", op.clock_hz}}}};
}

EnergyModel::EnergyModel(TechnologyParams tech, EnergyHardware hw) : tech_(std::move(tech)), hw_(hw) {
  hw_.validate();
  const int physical_word_bits = hw_.word_bits + hw_.ecc_check_bits;
  sram_read_pj_ = tech_.weight_sram.read_pj_at(hw_.bank_bytes, physical_word_bits);
  sram_write_pj_ = tech_.weight_sram.write_pj_at(hw_.bank_bytes, physical_word_bits);
  in_read_pj_ = tech_.buffer.read_pj_at(hw_.input_buffer_bytes, 8);
  in_write_pj_ = tech_.buffer.write_pj_at(hw_.input_buffer_bytes, 8);
  out_read_pj_ = tech_.buffer.read_pj_at(hw_.output_buffer_bytes, 8);
  out_write_pj_ = tech_.buffer.write_pj_at(hw_.output_buffer_bytes, 8);
}

namespace {

struct LeakagePowerMw {
  double weight_sram_mw = 0;
  double buffers_mw = 0;
  double pes_mw = 0;
  double total_mw() const { return weight_sram_mw + buffers_mw + pes_mw; }
};

// Buffers are SRAM in the logic domain: same per-KB leakage, logic voltage law.
LeakagePowerMw leakage_power(const TechnologyParams& t, const EnergyHardware& hw, const OperatingPoint& op) {
  const double logic = t.leakage_scale(op.v_logic_v, t.v_logic_nominal_v);
  LeakagePowerMw p;
  p.weight_sram_mw = double(hw.weight_sram_bytes) / 1024.0 * t.sram_leakage_mw_per_kb *
                     t.sram_leakage_scale(op.v_sram_v, op.v_logic_v);
  p.buffers_mw = double(hw.input_buffer_bytes + hw.output_buffer_bytes) / 1024.0 * t.sram_leakage_mw_per_kb * logic;
  p.pes_mw = double(hw.array_rows) * hw.array_cols * t.pe_leakage_mw * logic;
  return p;
}

}  // namespace

double EnergyModel::leakage_power_w(const OperatingPoint& op) const {
  validate_operating_point(tech_, op);
  return leakage_power(tech_, hw_, op).total_mw() * 1e-3;
}

EnergyBreakdown EnergyModel::breakdown(const ActionCounts& c, const OperatingPoint& op,
                                       LeakageBreakdown* leakage) const {
  validate_operating_point(tech_, op);
  validate_counts(c, hw_);
  const TechnologyParams& t = tech_;
  const double logic = t.logic_dynamic_scale(op.v_logic_v);
  const double sram = t.sram_dynamic_scale(op.v_sram_v, op.v_logic_v);

  EnergyBreakdown e;
  double mac_nominal = 0;
  for (int m = 2; m <= 8; ++m) {
    // Gated MACs (a zero activation or weight operand) leave the multiplier and adder inputs
    // unchanged: no toggling.
    const int64_t toggling =
        c.macs_by_weight_bits[m] - (hw_.zero_operand_gating ? c.zero_operand_macs_by_weight_bits[m] : 0);
    mac_nominal += double(toggling) * (t.mac_multiply_pj_by_weight_bits[m] + t.accumulator_add_pj);
  }
  e.array_macs_pj = mac_nominal * logic;
  // A clock-gated register that holds its value only leaks.
  const double idle_bits = hw_.pe_clock_gating ? 0.0 : double(c.pe_register_bits_idle);
  e.pe_registers_pj = (double(c.pe_register_bits_written) * t.pe_register_write_pj_per_bit +
                       idle_bits * t.pe_register_idle_clock_pj_per_bit + double(c.pe_hops) * t.pe_hop_pj) *
                      logic;
  e.weight_sram_pj =
      (double(c.weight_sram_reads) * sram_read_pj_ + double(c.weight_sram_writes) * sram_write_pj_) * sram;
  e.buffers_pj = (double(c.input_buffer_reads) * in_read_pj_ + double(c.input_buffer_writes) * in_write_pj_ +
                  double(c.output_buffer_reads) * out_read_pj_ + double(c.output_buffer_writes) * out_write_pj_) *
                 logic;
  e.post_processing_pj = (double(c.post_ops) * t.post_op_pj + double(c.norm_stat_ops) * t.norm_stat_op_pj +
                          double(c.rsqrt_ops) * t.rsqrt_op_pj + double(c.norm_ops) * t.norm_op_pj) *
                         logic;
  e.ecc_pj = (double(c.ecc_encodes) * t.ecc_encode_pj + double(c.ecc_decodes) * t.ecc_decode_pj) * logic;
  e.dram_pj = double(c.dram_bytes) * t.dram_pj_per_byte;

  // mW x s = mJ = 1e9 pJ.
  const double time_s = double(c.cycles) / op.clock_hz;
  const LeakagePowerMw p = leakage_power(t, hw_, op);
  LeakageBreakdown l{p.weight_sram_mw * time_s * 1e9, p.buffers_mw * time_s * 1e9, p.pes_mw * time_s * 1e9};
  e.leakage_pj = l.weight_sram_pj + l.buffers_pj + l.pes_pj;
  if (leakage) *leakage = l;
  return e;
}

double EnergyModel::gating_saved_energy_pj(const ActionCounts& c, const OperatingPoint& op) const {
  validate_operating_point(tech_, op);
  validate_counts(c, hw_);
  if (!hw_.zero_operand_gating) return 0.0;
  double gated = 0;
  for (int m = 2; m <= 8; ++m)
    gated += double(c.zero_operand_macs_by_weight_bits[m]) *
             (tech_.mac_multiply_pj_by_weight_bits[m] + tech_.accumulator_add_pj);
  return gated * tech_.logic_dynamic_scale(op.v_logic_v);
}

EnergyReport EnergyModel::cost(const ActionCounts& c, const OperatingPoint& op, int64_t images) const {
  if (images < 1) throw ConfigError(located(kCounts, "images", "must be >= 1 (got " + std::to_string(images) + ")"));
  EnergyReport r;
  r.op = op;
  r.breakdown = breakdown(c, op, &r.leakage);
  r.energy_total_pj = r.breakdown.total_pj();
  r.images = images;
  r.energy_per_inference_pj = r.energy_total_pj / double(images);
  r.macs = c.macs();
  r.energy_per_mac_pj = r.macs > 0 ? r.energy_total_pj / double(r.macs) : 0.0;
  r.time_s = double(c.cycles) / op.clock_hz;
  r.average_power_w = r.time_s > 0 ? r.energy_total_pj * 1e-12 / r.time_s : 0.0;
  // The saving is what the voltages buy: the same counts at the same clock, both domains at nominal
  // voltage (a clock above f_max at nominal logic voltage falls back to the nominal clock).
  OperatingPoint nominal = nominal_operating_point(tech_);
  nominal.clock_hz = std::min(op.clock_hz, nominal.clock_hz);
  r.nominal_breakdown = breakdown(c, nominal);
  r.nominal_energy_total_pj = r.nominal_breakdown.total_pj();
  r.saving_vs_nominal = r.nominal_energy_total_pj > 0 ? 1.0 - r.energy_total_pj / r.nominal_energy_total_pj : 0.0;
  // The seed paper counts weight SRAM accesses only (no leakage, no other component).
  const double accesses = double(c.weight_sram_reads) * sram_read_pj_ + double(c.weight_sram_writes) * sram_write_pj_;
  r.weight_sram_only_pj = accesses * tech_.sram_dynamic_scale(op.v_sram_v, op.v_logic_v);
  r.weight_sram_only_nominal_pj = accesses * tech_.sram_dynamic_scale(nominal.v_sram_v, nominal.v_logic_v);
  r.weight_sram_only_saving =
      r.weight_sram_only_nominal_pj > 0 ? 1.0 - r.weight_sram_only_pj / r.weight_sram_only_nominal_pj : 0.0;
  r.pe_clock_gating = hw_.pe_clock_gating;
  r.zero_operand_gating = hw_.zero_operand_gating;
  r.gating_saved_energy_per_inference_pj = gating_saved_energy_pj(c, op) / double(images);
  return r;
}

}  // namespace lvsim
