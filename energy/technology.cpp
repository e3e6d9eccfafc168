#include "energy/technology.h"

#include <cmath>
#include <sstream>

#include "common/json_reader.h"
#include "common/number_text.h"

namespace lvsim {

namespace {

// Upper bounds that only catch unit mistakes (a nJ figure typed as pJ x 1e6, mV as V).
constexpr double kMaxEnergyPj = 1e9;
constexpr double kMaxVoltageV = 5.0;
constexpr double kMaxClockHz = 1e11;
constexpr double kMaxLeakageMw = 1e6;

VoltageRange read_range(JsonObject o) {
  VoltageRange r;
  r.min_v = o.get_double("min_v", 0.0, kMaxVoltageV);
  r.max_v = o.get_double("max_v", 0.0, kMaxVoltageV);
  if (r.min_v <= 0) o.fail("min_v", "must be > 0");
  if (r.max_v < r.min_v) o.fail("max_v", "must be >= min_v (" + number_text(r.min_v) + ")");
  o.finish();
  return r;
}

SramEnergyFit read_fit(JsonObject o, bool per_byte) {
  SramEnergyFit f;
  f.read_pj = o.get_double(per_byte ? "read_pj_per_byte" : "read_pj", 0.0, kMaxEnergyPj);
  f.write_pj = o.get_double(per_byte ? "write_pj_per_byte" : "write_pj", 0.0, kMaxEnergyPj);
  if (per_byte) {
    f.ref_bytes = o.get_int("ref_bytes", 1, int64_t(1) << 40);
    f.ref_word_bits = 8;
  } else {
    f.ref_bytes = o.get_int("ref_bank_bytes", 1, int64_t(1) << 40);
    f.ref_word_bits = int(o.get_int("ref_word_bits", 1, 4096));
  }
  f.size_exponent = o.get_double("size_exponent", 0.0, 2.0);
  o.finish();
  return f;
}

std::map<std::string, SourceNote> read_sources(JsonObject o) {
  std::map<std::string, SourceNote> notes;
  for (const std::string& field : sourced_technology_fields()) {
    if (!o.has(field)) continue;
    JsonObject n = o.get_object(field);
    SourceNote note{n.get_string("unit"), n.get_string("source")};
    if (note.unit.empty()) n.fail("unit", "must not be empty");
    if (note.source.empty()) n.fail("source", "must not be empty");
    n.finish();
    notes[field] = note;
  }
  o.finish();  // rejects sources for fields that do not exist
  return notes;
}

}  // namespace

const std::vector<std::string>& sourced_technology_fields() {
  static const std::vector<std::string> fields = {"dynamic_energy.mac_multiply_pj_by_weight_bits",
                                                  "dynamic_energy.accumulator_add_pj",
                                                  "dynamic_energy.pe_register_write_pj_per_bit",
                                                  "dynamic_energy.pe_register_idle_clock_pj_per_bit",
                                                  "dynamic_energy.pe_hop_pj",
                                                  "dynamic_energy.weight_sram.read_pj",
                                                  "dynamic_energy.weight_sram.write_pj",
                                                  "dynamic_energy.weight_sram.size_exponent",
                                                  "dynamic_energy.buffer.read_pj_per_byte",
                                                  "dynamic_energy.buffer.write_pj_per_byte",
                                                  "dynamic_energy.post_op_pj",
                                                  "dynamic_energy.norm_stat_op_pj",
                                                  "dynamic_energy.rsqrt_op_pj",
                                                  "dynamic_energy.norm_op_pj",
                                                  "dynamic_energy.ecc_encode_pj",
                                                  "dynamic_energy.ecc_decode_pj",
                                                  "dynamic_energy.dram_pj_per_byte",
                                                  "leakage.k_per_v",
                                                  "leakage.sram_mw_per_kb",
                                                  "leakage.pe_mw",
                                                  "sram_periphery.array_fraction",
                                                  "bitcell_failure"};
  return fields;
}

double SramEnergyFit::scale(int64_t bytes, int word_bits) const {
  return std::pow(double(bytes) / double(ref_bytes), size_exponent) * (double(word_bits) / double(ref_word_bits));
}
double SramEnergyFit::read_pj_at(int64_t bytes, int word_bits) const {
  return read_pj * scale(bytes, word_bits);
}
double SramEnergyFit::write_pj_at(int64_t bytes, int word_bits) const {
  return write_pj * scale(bytes, word_bits);
}

TechnologyParams TechnologyParams::from_json_file(const std::string& path) {
  return from_json(parse_json_file(path), path);
}

TechnologyParams TechnologyParams::from_json(const nlohmann::json& j, const std::string& file) {
  TechnologyParams t;
  t.source_file = file;
  JsonObject top(j, file, "");
  t.name = top.get_string("name");
  if (t.name.empty()) top.fail("name", "must not be empty");
  t.energy_unit = top.get_enum("energy_unit", {"pJ", "normalized"}, "pJ");

  {
    JsonObject ranges = top.get_object("voltage_range");
    t.sram_range = read_range(ranges.get_object("sram"));
    t.logic_range = read_range(ranges.get_object("logic"));
    ranges.finish();
  }
  {
    JsonObject f = top.get_object("frequency");
    t.vth_v = f.get_double("vth_v", 0.0, kMaxVoltageV);
    t.alpha = f.get_double("alpha", 1.0, 2.0);
    if (t.vth_v >= t.logic_range.min_v)
      f.fail("vth_v", "must be below voltage_range.logic.min_v (" + number_text(t.logic_range.min_v) +
                          " V): f_max would be zero inside the logic range");
    f.finish();
  }
  {
    JsonObject n = top.get_object("nominal");
    t.v_sram_nominal_v = n.get_double("v_sram_v", 0.0, kMaxVoltageV);
    t.v_logic_nominal_v = n.get_double("v_logic_v", 0.0, kMaxVoltageV);
    t.clock_nominal_hz = n.get_double("clock_hz", 0.0, kMaxClockHz);
    if (!t.sram_range.contains(t.v_sram_nominal_v))
      n.fail("v_sram_v", number_text(t.v_sram_nominal_v) + " V outside voltage_range.sram [" +
                             number_text(t.sram_range.min_v) + ", " + number_text(t.sram_range.max_v) + "] V");
    if (!t.logic_range.contains(t.v_logic_nominal_v))
      n.fail("v_logic_v", number_text(t.v_logic_nominal_v) + " V outside voltage_range.logic [" +
                              number_text(t.logic_range.min_v) + ", " + number_text(t.logic_range.max_v) + "] V");
    if (t.clock_nominal_hz <= 0) n.fail("clock_hz", "must be > 0");
    n.finish();
  }
  {
    JsonObject d = top.get_object("dynamic_energy");
    {
      JsonObject mac = d.get_object("mac_multiply_pj_by_weight_bits");
      for (int m = 2; m <= 8; ++m)
        t.mac_multiply_pj_by_weight_bits[m] = mac.get_double(std::to_string(m), 0.0, kMaxEnergyPj);
      mac.finish();
    }
    t.accumulator_add_pj = d.get_double("accumulator_add_pj", 0.0, kMaxEnergyPj);
    t.pe_register_write_pj_per_bit = d.get_double("pe_register_write_pj_per_bit", 0.0, kMaxEnergyPj);
    t.pe_register_idle_clock_pj_per_bit = d.get_double("pe_register_idle_clock_pj_per_bit", 0.0, kMaxEnergyPj);
    t.pe_hop_pj = d.get_double("pe_hop_pj", 0.0, kMaxEnergyPj);
    t.weight_sram = read_fit(d.get_object("weight_sram"), false);
    t.buffer = read_fit(d.get_object("buffer"), true);
    t.post_op_pj = d.get_double("post_op_pj", 0.0, kMaxEnergyPj);
    t.norm_stat_op_pj = d.get_double("norm_stat_op_pj", 0.0, kMaxEnergyPj);
    t.rsqrt_op_pj = d.get_double("rsqrt_op_pj", 0.0, kMaxEnergyPj);
    t.norm_op_pj = d.get_double("norm_op_pj", 0.0, kMaxEnergyPj);
    t.ecc_encode_pj = d.get_double("ecc_encode_pj", 0.0, kMaxEnergyPj);
    t.ecc_decode_pj = d.get_double("ecc_decode_pj", 0.0, kMaxEnergyPj);
    t.dram_pj_per_byte = d.get_double("dram_pj_per_byte", 0.0, kMaxEnergyPj);
    d.finish();
  }
  {
    JsonObject l = top.get_object("leakage");
    t.leakage_k_per_v = l.get_double("k_per_v", 0.0, 50.0);
    t.sram_leakage_mw_per_kb = l.get_double("sram_mw_per_kb", 0.0, kMaxLeakageMw);
    t.pe_leakage_mw = l.get_double("pe_mw", 0.0, kMaxLeakageMw);
    l.finish();
  }
  {
    JsonObject p = top.get_object("sram_periphery");
    t.sram_periphery_follows_sram_voltage = p.get_bool("follows_sram_voltage");
    if (t.sram_periphery_follows_sram_voltage) {
      if (p.has("array_fraction"))
        p.fail("array_fraction", "only meaningful when follows_sram_voltage is false (remove it)");
      t.sram_array_fraction = 1.0;
    } else {
      t.sram_array_fraction = p.get_double("array_fraction", 0.0, 1.0);
    }
    p.finish();
  }
  if (top.has("sources")) t.sources = read_sources(top.get_object("sources"));
  if (top.has("bitcell_failure")) {
    JsonObject b = top.get_object("bitcell_failure");
    t.bitcell_failure = BitcellFailureParams::from_json(b);
  }
  top.finish();
  return t;
}

double TechnologyParams::f_max_hz(double v_logic_v) const {
  if (v_logic_v <= vth_v) return 0.0;
  auto g = [&](double v) { return std::pow(v - vth_v, alpha) / v; };
  return clock_nominal_hz * g(v_logic_v) / g(v_logic_nominal_v);
}

double TechnologyParams::logic_dynamic_scale(double v_logic_v) const {
  double r = v_logic_v / v_logic_nominal_v;
  return r * r;
}

double TechnologyParams::sram_dynamic_scale(double v_sram_v, double v_logic_v) const {
  double r = v_sram_v / v_sram_nominal_v;
  double array = r * r;
  if (sram_periphery_follows_sram_voltage) return array;
  return sram_array_fraction * array + (1.0 - sram_array_fraction) * logic_dynamic_scale(v_logic_v);
}

double TechnologyParams::leakage_scale(double v, double v_nominal) const {
  return (v / v_nominal) * std::exp(leakage_k_per_v * (v - v_nominal));
}

double TechnologyParams::sram_leakage_scale(double v_sram_v, double v_logic_v) const {
  double array = leakage_scale(v_sram_v, v_sram_nominal_v);
  if (sram_periphery_follows_sram_voltage) return array;
  return sram_array_fraction * array + (1.0 - sram_array_fraction) * leakage_scale(v_logic_v, v_logic_nominal_v);
}

}  // namespace lvsim
