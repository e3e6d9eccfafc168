#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "common/errors.h"
#include "energy/action_counts_json.h"
#include "energy/energy_model.h"
#include "energy_test_tech.h"

using namespace lvsim;
using lvsim::test::round_hardware;
using lvsim::test::round_tech;

namespace {

ActionCounts every_action() {
  ActionCounts c;
  for (int m = 2; m <= 8; ++m) c.macs_by_weight_bits[m] = 100 * m;
  c.pe_register_bits_written = 700;
  c.pe_register_bits_idle = 900;
  c.pe_hops = 300;
  c.weight_sram_reads = 40;
  c.weight_sram_writes = 20;
  c.input_buffer_reads = 500;
  c.input_buffer_writes = 50;
  c.output_buffer_reads = 30;
  c.output_buffer_writes = 60;
  c.post_ops = 25;
  c.dram_bytes = 128;
  c.cycles = 2000;
  return c;
}

double dynamic_sum(const EnergyBreakdown& e) {
  return e.array_macs_pj + e.pe_registers_pj + e.weight_sram_pj + e.buffers_pj + e.post_processing_pj + e.ecc_pj;
}

}  // namespace

TEST_CASE("hand-computed energy of a tiny count set", "[energy][model]") {
  EnergyModel model(round_tech(), round_hardware());
  ActionCounts c;
  c.macs_by_weight_bits[8] = 100;  // 100 x (0.2 multiply + 0.1 add) = 30 pJ
  c.weight_sram_reads = 10;        // 10 x 20 pJ (32 KB bank, 64-bit word = the reference) = 200 pJ
  auto r = model.cost(c, nominal_operating_point(model.technology()), 1);
  CHECK(r.breakdown.array_macs_pj == Approx(30.0));
  CHECK(r.breakdown.weight_sram_pj == Approx(200.0));
  CHECK(r.breakdown.leakage_pj == 0.0);  // no cycles, no time
  CHECK(r.energy_total_pj == Approx(230.0));
  CHECK(r.energy_per_mac_pj == Approx(2.3));
  CHECK(r.saving_vs_nominal == Approx(0.0).margin(1e-12));
}

TEST_CASE("hand-computed energy of every action at nominal voltage", "[energy][model]") {
  EnergyModel model(round_tech(), round_hardware());
  ActionCounts c;
  c.macs_by_weight_bits[4] = 10;   // 10 x (0.04 + 0.1) = 1.4
  c.pe_register_bits_written = 4;  // 4 x 0.5 = 2 (idle bits cost nothing: PE clock gating)
  c.pe_register_bits_idle = 40;
  c.pe_hops = 3;                // 3 x 1 = 3
  c.weight_sram_writes = 2;     // 2 x 30 = 60
  c.input_buffer_reads = 10;    // 8 KB = reference: 10 x 2 = 20
  c.output_buffer_writes = 10;  // 10 x 3 = 30
  c.post_ops = 5;               // 5 x 4 = 20
  c.norm_stat_ops = 4;          // 4 x 0.5 = 2
  c.rsqrt_ops = 1;              // 1 x 40 = 40
  c.norm_ops = 2;               // 2 x 16 = 32
  c.dram_bytes = 3;             // 3 x 100 = 300
  c.cycles = 1000;              // 1 us at 1 GHz
  auto r = model.cost(c, nominal_operating_point(model.technology()), 2);
  CHECK(r.breakdown.array_macs_pj == Approx(1.4));
  CHECK(r.breakdown.pe_registers_pj == Approx(5.0));
  CHECK(r.breakdown.weight_sram_pj == Approx(60.0));
  CHECK(r.breakdown.buffers_pj == Approx(50.0));
  CHECK(r.breakdown.post_processing_pj == Approx(20.0 + 2 + 40 + 32));
  CHECK(r.breakdown.dram_pj == Approx(300.0));
  // Leakage: SRAM 64 KB x 0.1 mW + buffers 16 KB x 0.1 mW + 16 PEs x 0.01 mW = 8.16 mW; x 1 us = 8160 pJ.
  CHECK(r.breakdown.leakage_pj == Approx(8160.0));
  CHECK(r.leakage.weight_sram_pj == Approx(6400.0));
  CHECK(r.leakage.buffers_pj == Approx(1600.0));
  CHECK(r.leakage.pes_pj == Approx(160.0));
  CHECK(r.time_s == Approx(1e-6));
  const double total = 1.4 + 5 + 60 + 50 + 94 + 300 + 8160;
  CHECK(r.energy_total_pj == Approx(total));
  CHECK(r.energy_per_inference_pj == Approx(total / 2));
  CHECK(r.average_power_w == Approx(total * 1e-12 / 1e-6));
}

TEST_CASE("buffer and bank sizes follow the CACTI-like fit; ECC check bits widen the word", "[energy][model]") {
  auto hw = round_hardware();
  hw.weight_sram_banks = 8;
  hw.bank_bytes = 8192 * 9 / 8;  // 8 KB of data + (72,64) check bits
  hw.weight_sram_bytes = 8 * hw.bank_bytes;
  hw.ecc_check_bits = 8;
  hw.input_buffer_bytes = 32768;  // 4x the buffer reference, exponent 0.5: 2x per byte
  EnergyModel model(round_tech(), hw);
  CHECK(model.weight_sram_read_pj() == Approx(20.0 * std::pow(9216.0 / 32768.0, 0.47) * 72.0 / 64.0));
  CHECK(model.input_buffer_read_pj_per_byte() == Approx(4.0));
  CHECK(model.output_buffer_write_pj_per_byte() == Approx(3.0));
  ActionCounts c;
  c.ecc_decodes = 4;  // 4 x 0.75
  c.ecc_encodes = 2;  // 2 x 0.25
  auto r = model.cost(c, nominal_operating_point(model.technology()), 1);
  CHECK(r.breakdown.ecc_pj == Approx(3.5));
}

TEST_CASE("dynamic energy scales with V^2: half voltage, quarter energy", "[energy][model][scaling]") {
  EnergyModel model(round_tech(), round_hardware());
  ActionCounts c = every_action();
  c.cycles = 0;      // isolate dynamic energy
  c.dram_bytes = 0;  // off-chip energy does not scale
  auto nominal = model.cost(c, nominal_operating_point(model.technology()), 1);
  auto half = model.cost(c, make_operating_point(model.technology(), 0.5, 0.5, ClockMode::kFollowFmax, 0), 1);
  CHECK(half.energy_total_pj == Approx(0.25 * nominal.energy_total_pj));
  CHECK(half.breakdown.array_macs_pj == Approx(0.25 * nominal.breakdown.array_macs_pj));
  CHECK(half.breakdown.weight_sram_pj == Approx(0.25 * nominal.breakdown.weight_sram_pj));
  CHECK(half.saving_vs_nominal == Approx(0.75));

  // Only the SRAM at half voltage: only the SRAM energy drops, to a quarter.
  auto sram_only = model.cost(c, make_operating_point(model.technology(), 0.5, 1.0, ClockMode::kFixed, 1e9), 1);
  CHECK(sram_only.breakdown.weight_sram_pj == Approx(0.25 * nominal.breakdown.weight_sram_pj));
  CHECK(sram_only.breakdown.array_macs_pj == Approx(nominal.breakdown.array_macs_pj));
  CHECK(sram_only.breakdown.buffers_pj == Approx(nominal.breakdown.buffers_pj));
}

TEST_CASE("leakage energy = P_nom (V/Vnom) exp(1.71 (V - Vnom)) x cycles / clock", "[energy][model][scaling]") {
  EnergyModel model(round_tech(), round_hardware());
  ActionCounts c;
  c.cycles = 5000;
  const double p_nom_mw = 64 * 0.1 + 16 * 0.1 + 16 * 0.01;
  for (double v : {0.7, 1.1}) {
    auto op = make_operating_point(model.technology(), v, v, ClockMode::kFixed, 1e8);
    auto r = model.cost(c, op, 1);
    const double expected_pj = p_nom_mw * 1e-3 * (v / 1.0) * std::exp(1.71 * (v - 1.0)) * (5000 / 1e8) * 1e12;
    INFO("V = " << v);
    CHECK(r.breakdown.leakage_pj == Approx(expected_pj));
    CHECK(model.leakage_power_w(op) == Approx(expected_pj * 1e-12 / (5000 / 1e8)));
  }
}

TEST_CASE("periphery at the logic voltage: SRAM energy splits by the array fraction", "[energy][model]") {
  auto j = lvsim::test::round_tech_json();
  j["sram_periphery"] = {{"follows_sram_voltage", false}, {"array_fraction", 0.25}};
  EnergyModel model(TechnologyParams::from_json(j, "t.json"), round_hardware());
  ActionCounts c;
  c.weight_sram_reads = 10;  // 200 pJ nominal
  c.cycles = 1000;
  auto r = model.cost(c, make_operating_point(model.technology(), 0.5, 1.0, ClockMode::kFixed, 1e9), 1);
  CHECK(r.breakdown.weight_sram_pj == Approx(200.0 * (0.25 * 0.25 + 0.75)));
  // Weight SRAM leakage: 6.4 mW x (0.25 x 0.5 exp(1.71 x -0.5) + 0.75) x 1 us.
  CHECK(r.leakage.weight_sram_pj == Approx(6400.0 * (0.25 * 0.5 * std::exp(-0.855) + 0.75)));
}

TEST_CASE("totals equal the sum of parts", "[energy][model]") {
  auto hw = round_hardware();
  hw.ecc_check_bits = 8;
  hw.bank_bytes = 36864;
  hw.weight_sram_bytes = 2 * 36864;
  EnergyModel model(round_tech(), hw);
  ActionCounts c = every_action();
  c.ecc_decodes = 40;
  c.ecc_encodes = 20;
  auto r = model.cost(c, make_operating_point(model.technology(), 0.7, 0.9, ClockMode::kFollowFmax, 0), 3);
  const auto& e = r.breakdown;
  CHECK(r.energy_total_pj == Approx(dynamic_sum(e) + e.dram_pj + e.leakage_pj));
  CHECK(e.leakage_pj == Approx(r.leakage.weight_sram_pj + r.leakage.buffers_pj + r.leakage.pes_pj));
  auto j = r.to_json();
  double sum = 0, share = 0;
  for (auto& [k, v] : j.at("energy_breakdown_pj").items()) sum += v.get<double>();
  for (auto& [k, v] : j.at("energy_share").items()) share += v.get<double>();
  CHECK(j.at("energy_breakdown_pj").size() == 8);
  CHECK(sum == Approx(j.at("energy_total_pj").get<double>()));
  CHECK(share == Approx(1.0));
  CHECK(j.at("energy_per_inference_pj").get<double>() == Approx(r.energy_total_pj / 3));
  for (const char* key : {"energy_per_inference_pj", "energy_breakdown_pj", "energy_total_pj", "energy_per_mac_pj",
                          "average_power_w", "time_s", "saving_vs_nominal"})
    CHECK(j.contains(key));
}

TEST_CASE("re-costing: energy is a function of counts and operating point only", "[energy][model]") {
  EnergyModel model(round_tech(), round_hardware());
  ActionCounts layer1 = every_action();
  ActionCounts layer2;
  layer2.macs_by_weight_bits[8] = 12345;
  layer2.weight_sram_reads = 77;
  layer2.cycles = 999;
  ActionCounts run = layer1;
  run += layer2;
  auto op = make_operating_point(model.technology(), 0.6, 0.8, ClockMode::kFollowFmax, 0);
  // Per-layer energies add up to the whole run's (what per-layer reports rely on).
  auto r1 = model.cost(layer1, op, 1), r2 = model.cost(layer2, op, 1), rall = model.cost(run, op, 1);
  CHECK(rall.energy_total_pj == Approx(r1.energy_total_pj + r2.energy_total_pj));
  CHECK(rall.breakdown.leakage_pj == Approx(r1.breakdown.leakage_pj + r2.breakdown.leakage_pj));
  // The nominal comparison is the same counts costed at nominal voltages and the run's clock (the
  // saving is what the voltages buy, not a different clock's leakage time).
  OperatingPoint nominal_op = nominal_operating_point(model.technology());
  nominal_op.clock_hz = op.clock_hz;
  REQUIRE(op.clock_hz < nominal_operating_point(model.technology()).clock_hz);
  auto nominal = model.cost(run, nominal_op, 1);
  CHECK(rall.nominal_energy_total_pj == Approx(nominal.energy_total_pj));
  CHECK(rall.saving_vs_nominal == Approx(1.0 - rall.energy_total_pj / nominal.energy_total_pj));
  // Counts saved as JSON and read back cost the same (re-costing a saved run).
  auto back = action_counts_from_json(action_counts_to_json(run), "saved.json", "action_counts");
  CHECK(back == run);
  CHECK(model.cost(back, op, 1).energy_total_pj == rall.energy_total_pj);
}

TEST_CASE("14nm-normalized: saving is the SRAM-only saving of the seed paper", "[energy][model]") {
  auto t = TechnologyParams::from_json_file(std::string(LVSIM_SOURCE_DIR) + "/presets/tech/14nm-normalized.json");
  EnergyHardware hw = round_hardware();
  hw.bank_bytes = 4096;  // 512 x 64 bits, the profiled array
  hw.weight_sram_banks = 32;
  hw.weight_sram_bytes = 32 * 4096;
  EnergyModel model(t, hw);
  ActionCounts c = every_action();
  auto r = model.cost(c, make_operating_point(t, 0.88, 1.0, ClockMode::kFixed, 1e9), 1);
  CHECK(r.energy_total_pj == Approx(60 * 0.88 * 0.88));  // 60 accesses x 1 unit x (V/Vmin)^2
  CHECK(r.saving_vs_nominal == Approx(1 - 0.88 * 0.88));
}

TEST_CASE("invalid hardware and counts are ConfigErrors", "[energy][model][errors]") {
  auto hw = round_hardware();
  hw.weight_sram_bytes = 1000;
  CHECK_THROWS_WITH(EnergyModel(round_tech(), hw), Catch::Contains("weight_sram_bytes"));
  hw = round_hardware();
  hw.array_cols = 0;
  CHECK_THROWS_WITH(EnergyModel(round_tech(), hw), Catch::Contains("array_cols"));

  EnergyModel model(round_tech(), round_hardware());
  auto op = nominal_operating_point(model.technology());
  ActionCounts c;
  c.ecc_decodes = 1;  // no check bits in this hardware
  CHECK_THROWS_AS(model.cost(c, op, 1), ConfigError);
  c = ActionCounts{};
  c.macs_by_weight_bits[1] = 5;
  CHECK_THROWS_WITH(model.cost(c, op, 1), Catch::Contains("macs_by_weight_bits[1]"));
  c = ActionCounts{};
  c.pe_hops = -1;
  CHECK_THROWS_AS(model.cost(c, op, 1), ConfigError);
  CHECK_THROWS_AS(model.cost(ActionCounts{}, op, 0), ConfigError);
  OperatingPoint too_fast{1.0, 0.6, 1e9};
  CHECK_THROWS_WITH(model.cost(ActionCounts{}, too_fast, 1), Catch::Contains("exceeds f_max"));
}

TEST_CASE("action counts JSON uses the ActionCounts field names and rejects unknown keys", "[energy][json]") {
  ActionCounts c = every_action();
  auto j = action_counts_to_json(c);
  CHECK(j.at("macs_by_weight_bits").at("8").get<int64_t>() == 800);
  CHECK(j.at("macs").get<int64_t>() == 100 * (2 + 3 + 4 + 5 + 6 + 7 + 8));
  CHECK(j.at("pe_hops").get<int64_t>() == 300);
  CHECK(j.at("cycles").get<int64_t>() == 2000);
  auto bad = j;
  bad["sram_reads"] = 1;
  CHECK_THROWS_WITH(action_counts_from_json(bad, "r.json", "action_counts"),
                    Catch::Contains("action_counts.sram_reads"));
  bad = j;
  bad["macs"] = 1;
  CHECK_THROWS_WITH(action_counts_from_json(bad, "r.json", "action_counts"), Catch::Contains("action_counts.macs"));
  bad = j;
  bad["dram_bytes"] = -4;
  CHECK_THROWS_AS(action_counts_from_json(bad, "r.json", "action_counts"), ConfigError);
}

TEST_CASE("gating: idle register clocks and zero-operand MACs cost only without gating", "[energy][model][gating]") {
  ActionCounts c;
  c.macs_by_weight_bits[8] = 100;
  c.zero_operand_macs_by_weight_bits[8] = 40;
  c.pe_register_bits_written = 10;
  c.pe_register_bits_idle = 8;
  const bool clock_gating = GENERATE(false, true), operand_gating = GENERATE(false, true);
  EnergyHardware hw = round_hardware();
  hw.pe_clock_gating = clock_gating;
  hw.zero_operand_gating = operand_gating;
  EnergyModel model(round_tech(), hw);
  const EnergyReport r = model.cost(c, nominal_operating_point(model.technology()), 1);
  // MACs: (100 or 60 toggling) x (0.2 + 0.1); registers: 10 x 0.5 + (0 or 8 x 0.25).
  CHECK(r.breakdown.array_macs_pj == Approx((operand_gating ? 60 : 100) * 0.3));
  CHECK(r.breakdown.pe_registers_pj == Approx(5.0 + (clock_gating ? 0.0 : 2.0)));
  CHECK(r.to_json().at("gating").at("pe_clock_gating") == clock_gating);
}

TEST_CASE("both accountings: whole accelerator and weight SRAM accesses only", "[energy][model]") {
  ActionCounts c;
  c.macs_by_weight_bits[8] = 1000;  // logic: does not change with V_sram
  c.weight_sram_reads = 10;         // 10 x 20 pJ at nominal
  EnergyModel model(round_tech(), round_hardware());
  const OperatingPoint op{0.8, 1.0, 1e9};
  const EnergyReport r = model.cost(c, op, 1);
  // round tech: the whole access follows V_sram^2: 200 x 0.64 = 128 pJ, saving 36 %.
  CHECK(r.weight_sram_only_nominal_pj == Approx(200.0));
  CHECK(r.weight_sram_only_pj == Approx(128.0));
  CHECK(r.weight_sram_only_saving == Approx(0.36));
  CHECK(r.saving_vs_nominal == Approx(72.0 / (300.0 + 200.0)));
  const nlohmann::json j = r.to_json();
  CHECK(j.at("accountings").at("weight_sram_only").at("saving_vs_nominal").get<double>() == Approx(0.36));
  CHECK(j.at("saving_by_component_pj").at("weight_sram").get<double>() == Approx(72.0));
  CHECK(j.at("saving_by_component_pj").at("array_macs").get<double>() == Approx(0.0));
}

TEST_CASE("zero-operand MACs above the MACs of their width are rejected", "[energy][model]") {
  ActionCounts c;
  c.macs_by_weight_bits[4] = 3;
  c.zero_operand_macs_by_weight_bits[4] = 4;
  EnergyModel model(round_tech(), round_hardware());
  CHECK_THROWS_WITH(model.cost(c, nominal_operating_point(model.technology()), 1),
                    Catch::Contains("zero_operand_macs_by_weight_bits[4]"));
  nlohmann::json j = action_counts_to_json(c);
  CHECK_THROWS_WITH(action_counts_from_json(j, "r.json", "action_counts"),
                    Catch::Contains("zero_operand_macs_by_weight_bits.4"));
}
