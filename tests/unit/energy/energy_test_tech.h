// A small technology with round numbers, so expected energies can be worked out by hand.
#pragma once

#include <nlohmann/json.hpp>

#include <fstream>
#include <string>

#include "energy/energy_model.h"
#include "energy/technology.h"

namespace lvsim::test {

inline nlohmann::json round_tech_json() {
  return nlohmann::json::parse(R"({
    "name": "round",
    "nominal": {"v_sram_v": 1.0, "v_logic_v": 1.0, "clock_hz": 1.0e9},
    "voltage_range": {"sram": {"min_v": 0.4, "max_v": 1.2}, "logic": {"min_v": 0.4, "max_v": 1.2}},
    "frequency": {"vth_v": 0.3, "alpha": 1.3},
    "dynamic_energy": {
      "mac_multiply_pj_by_weight_bits": {"2": 0.02, "3": 0.03, "4": 0.04, "5": 0.05, "6": 0.06, "7": 0.07, "8": 0.2},
      "accumulator_add_pj": 0.1,
      "pe_register_write_pj_per_bit": 0.5,
      "pe_register_idle_clock_pj_per_bit": 0.25,
      "pe_hop_pj": 1.0,
      "weight_sram": {"read_pj": 20.0, "write_pj": 30.0, "ref_bank_bytes": 32768, "ref_word_bits": 64, "size_exponent": 0.47},
      "buffer": {"read_pj_per_byte": 2.0, "write_pj_per_byte": 3.0, "ref_bytes": 8192, "size_exponent": 0.5},
      "post_op_pj": 4.0,
      "norm_stat_op_pj": 0.5,
      "rsqrt_op_pj": 40.0,
      "norm_op_pj": 16.0,
      "ecc_encode_pj": 0.25,
      "ecc_decode_pj": 0.75,
      "dram_pj_per_byte": 100.0
    },
    "leakage": {"k_per_v": 1.71, "sram_mw_per_kb": 0.1, "pe_mw": 0.01},
    "sram_periphery": {"follows_sram_voltage": true},
    "bitcell_failure": {"model": "normal", "mean_v": 0.1, "sigma_v": 0.14}
  })");
}

inline TechnologyParams round_tech() {
  return TechnologyParams::from_json(round_tech_json(), "round.json");
}

/// 4x4 array, 2 banks x 32 KB, 64-bit words, no ECC, two 8 KB buffers.
inline EnergyHardware round_hardware() {
  EnergyHardware hw;
  hw.array_rows = 4;
  hw.array_cols = 4;
  hw.weight_sram_banks = 2;
  hw.bank_bytes = 32768;
  hw.weight_sram_bytes = 65536;
  hw.word_bits = 64;
  hw.ecc_check_bits = 0;
  hw.input_buffer_bytes = 8192;
  hw.output_buffer_bytes = 8192;
  return hw;
}

inline std::string write_temp_json(const std::string& name, const nlohmann::json& j) {
  std::string path = std::string(LVSIM_BINARY_DIR) + "/" + name;
  std::ofstream(path) << j.dump(2);
  return path;
}

}  // namespace lvsim::test
