#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "common/errors.h"
#include "energy/operating_point.h"
#include "energy/technology.h"
#include "energy_test_tech.h"

using namespace lvsim;
using lvsim::test::round_tech_json;
using lvsim::test::write_temp_json;

namespace {

// Writes a mutated technology file and expects a ConfigError naming the file and the field.
void expect_bad_file(const std::string& name, const nlohmann::json& j, const std::string& field,
                     const std::string& what) {
  std::string path = write_temp_json(name, j);
  try {
    TechnologyParams::from_json_file(path);
    FAIL("no error for " << name);
  } catch (const ConfigError& e) {
    std::string msg = e.what();
    INFO(msg);
    CHECK(msg.find(path) != std::string::npos);
    CHECK(msg.find(field) != std::string::npos);
    CHECK(msg.find(what) != std::string::npos);
  }
}

}  // namespace

TEST_CASE("technology presets load with their bit-cell failure model parsed", "[energy][technology]") {
  auto t45 = TechnologyParams::from_json_file(std::string(LVSIM_SOURCE_DIR) + "/presets/tech/45nm.json");
  CHECK(t45.name == "45nm");
  REQUIRE(t45.bitcell_failure);
  CHECK(t45.bitcell_failure->model == "normal");
  CHECK(t45.bitcell_failure->mean_v == 0.10);
  CHECK(t45.bitcell_failure->sigma_v == 0.14);
  // Horowitz: 8-bit multiply 0.2 pJ + 32-bit add 0.1 pJ per MAC at 0.9 V.
  CHECK(t45.mac_multiply_pj_by_weight_bits[8] + t45.accumulator_add_pj == Approx(0.3));
  CHECK(t45.f_max_hz(t45.v_logic_nominal_v) == Approx(t45.clock_nominal_hz));

  auto t14 = TechnologyParams::from_json_file(std::string(LVSIM_SOURCE_DIR) + "/presets/tech/14nm-normalized.json");
  REQUIRE(t14.bitcell_failure);
  CHECK(t14.bitcell_failure->model == "ber_curve");
  CHECK(t14.energy_unit == "normalized");
  CHECK(t45.energy_unit == "pJ");
  REQUIRE(t14.bitcell_failure->points.size() == 7);
  CHECK(t14.bitcell_failure->points[4].first == 0.88);  // (V/Vmin, p) in increasing voltage
  CHECK(t14.bitcell_failure->points[4].second == 1e-3);
}

TEST_CASE("45nm preset SRAM fit reproduces Horowitz's 8 KB / 32 KB / 1 MB read energies", "[energy][technology]") {
  auto t = TechnologyParams::from_json_file(std::string(LVSIM_SOURCE_DIR) + "/presets/tech/45nm.json");
  // Horowitz, ISSCC 2014 (docs/references.md#horowitz14): SRAM read 64 bit: 8 KB 10 pJ,
  // 32 KB 20 pJ, 1 MB 100 pJ.
  CHECK(t.weight_sram.read_pj_at(8 * 1024, 64) == Approx(10.0).epsilon(0.06));
  CHECK(t.weight_sram.read_pj_at(32 * 1024, 64) == Approx(20.0).epsilon(0.01));
  CHECK(t.weight_sram.read_pj_at(1024 * 1024, 64) == Approx(100.0).epsilon(0.03));
  // Linear in word width: a (72,64) word costs 72/64 of a 64-bit word.
  CHECK(t.weight_sram.read_pj_at(32 * 1024, 72) == Approx(20.0 * 72 / 64).epsilon(0.01));
}

TEST_CASE("14nm-normalized preset: SRAM access energy follows the profiled E(V)/E(Vmin) table",
          "[energy][technology]") {
  auto t = TechnologyParams::from_json_file(std::string(LVSIM_SOURCE_DIR) + "/presets/tech/14nm-normalized.json");
  // (V/Vmin, E/E(Vmin)) read off the published curve.
  const double table[][2] = {{1.00, 1.00}, {0.96, 0.92}, {0.88, 0.77}, {0.84, 0.70},
                             {0.82, 0.67}, {0.80, 0.64}, {0.76, 0.58}};
  for (const auto& row : table) {
    INFO("V/Vmin = " << row[0]);
    CHECK(t.sram_dynamic_scale(row[0] * t.v_sram_nominal_v, t.v_logic_nominal_v) == Approx(row[1]).margin(0.01));
  }
}

TEST_CASE("alpha-power law: f(0.6)/f(0.9) ~ 0.61 for alpha 1.3, Vth 0.3", "[energy][technology]") {
  auto j = round_tech_json();
  j["nominal"]["v_logic_v"] = 0.9;
  auto t = TechnologyParams::from_json(j, "t.json");
  CHECK(t.f_max_hz(0.6) / t.f_max_hz(0.9) == Approx(0.61).margin(0.005));
  CHECK(t.f_max_hz(0.9) == Approx(1.0e9));
  // By hand: (0.3^1.3 / 0.6) / (0.6^1.3 / 0.9) = 0.5^1.3 * 1.5.
  CHECK(t.f_max_hz(0.6) / t.f_max_hz(0.9) == Approx(std::exp(1.3 * std::log(0.5)) * 1.5));
  CHECK(t.f_max_hz(0.3) == 0.0);
}

TEST_CASE("leakage law at two voltages matches P(V)/P_nom = (V/Vnom) exp(1.71 (V - Vnom))", "[energy][technology]") {
  auto t = lvsim::test::round_tech();
  CHECK(t.leakage_scale(0.7, 1.0) == Approx(0.7 * std::exp(1.71 * -0.3)));
  CHECK(t.leakage_scale(1.1, 1.0) == Approx(1.1 * std::exp(1.71 * 0.1)));
  CHECK(t.leakage_scale(1.0, 1.0) == Approx(1.0));
}

TEST_CASE("SRAM periphery flag: only the array fraction follows V_sram", "[energy][technology]") {
  auto j = round_tech_json();
  j["sram_periphery"] = {{"follows_sram_voltage", false}, {"array_fraction", 0.25}};
  auto t = TechnologyParams::from_json(j, "t.json");
  // 0.25 * 0.5^2 + 0.75 * 1^2
  CHECK(t.sram_dynamic_scale(0.5, 1.0) == Approx(0.8125));
  // both domains at 0.8: 0.64 regardless of the split
  CHECK(t.sram_dynamic_scale(0.8, 0.8) == Approx(0.64));
  auto follows = lvsim::test::round_tech();
  CHECK(follows.sram_dynamic_scale(0.5, 1.0) == Approx(0.25));
}

TEST_CASE("bad technology files are ConfigErrors naming file and field", "[energy][technology][errors]") {
  SECTION("missing field") {
    auto j = round_tech_json();
    j["dynamic_energy"].erase("pe_hop_pj");
    expect_bad_file("tech_missing.json", j, "dynamic_energy.pe_hop_pj", "missing");
  }
  SECTION("missing MAC width") {
    auto j = round_tech_json();
    j["dynamic_energy"]["mac_multiply_pj_by_weight_bits"].erase("5");
    expect_bad_file("tech_missing_mac.json", j, "dynamic_energy.mac_multiply_pj_by_weight_bits.5", "missing");
  }
  SECTION("negative energy") {
    auto j = round_tech_json();
    j["dynamic_energy"]["weight_sram"]["read_pj"] = -1.0;
    expect_bad_file("tech_negative.json", j, "dynamic_energy.weight_sram.read_pj", "out of range");
  }
  SECTION("unknown key") {
    auto j = round_tech_json();
    j["dynamic_energy"]["pe_hops_pj"] = 1.0;
    expect_bad_file("tech_unknown.json", j, "dynamic_energy.pe_hops_pj", "unknown");
  }
  SECTION("nominal voltage outside its range") {
    auto j = round_tech_json();
    j["nominal"]["v_sram_v"] = 1.3;
    expect_bad_file("tech_vrange.json", j, "nominal.v_sram_v", "outside");
  }
  SECTION("range with max below min") {
    auto j = round_tech_json();
    j["voltage_range"]["logic"]["max_v"] = 0.3;
    expect_bad_file("tech_minmax.json", j, "voltage_range.logic.max_v", "must be >=");
  }
  SECTION("Vth inside the logic range") {
    auto j = round_tech_json();
    j["frequency"]["vth_v"] = 0.45;
    expect_bad_file("tech_vth.json", j, "frequency.vth_v", "below");
  }
  SECTION("bit-cell failure model not an object") {
    auto j = round_tech_json();
    j["bitcell_failure"] = 3;
    expect_bad_file("tech_bitcell.json", j, "bitcell_failure", "object");
  }
  // The block is parsed when the file loads, not when a run first uses it (a run with --ber never does).
  SECTION("bit-cell failure model of unknown name") {
    auto j = round_tech_json();
    j["bitcell_failure"]["model"] = "weibull";
    expect_bad_file("tech_bitcell_model.json", j, "bitcell_failure.model", "weibull");
  }
  SECTION("bit-cell failure model with an unknown key") {
    auto j = round_tech_json();
    j["bitcell_failure"]["sigma"] = 0.1;
    expect_bad_file("tech_bitcell_key.json", j, "bitcell_failure.sigma", "");
  }
  SECTION("bit-cell failure model with a bad value") {
    auto j = round_tech_json();
    j["bitcell_failure"]["sigma_v"] = -0.1;
    expect_bad_file("tech_bitcell_sigma.json", j, "bitcell_failure.sigma_v", "");
  }
  SECTION("array fraction given although the periphery follows V_sram") {
    auto j = round_tech_json();
    j["sram_periphery"]["array_fraction"] = 0.5;
    expect_bad_file("tech_fraction.json", j, "sram_periphery.array_fraction", "only meaningful");
  }
  SECTION("array fraction missing when the periphery stays at V_logic") {
    auto j = round_tech_json();
    j["sram_periphery"]["follows_sram_voltage"] = false;
    expect_bad_file("tech_fraction2.json", j, "sram_periphery.array_fraction", "missing");
  }
  SECTION("wrong type") {
    auto j = round_tech_json();
    j["leakage"]["k_per_v"] = "1.71";
    expect_bad_file("tech_type.json", j, "leakage.k_per_v", "expected a number");
  }
}

TEST_CASE("bit-cell failure object is optional", "[energy][technology]") {
  auto j = round_tech_json();
  j.erase("bitcell_failure");
  auto t = TechnologyParams::from_json(j, "t.json");
  CHECK(!t.bitcell_failure);
}

TEST_CASE("operating points: ranges and f_max are checked", "[energy][operating_point]") {
  auto t = lvsim::test::round_tech();
  SECTION("V outside the SRAM range") {
    try {
      make_operating_point(t, 0.3, 1.0, ClockMode::kFixed, 1e8);
      FAIL("no error");
    } catch (const ConfigError& e) {
      std::string msg = e.what();
      INFO(msg);
      CHECK(msg.find("round.json") != std::string::npos);
      CHECK(msg.find("voltage_range.sram") != std::string::npos);
    }
  }
  SECTION("V outside the logic range") {
    CHECK_THROWS_AS(make_operating_point(t, 1.0, 1.25, ClockMode::kFixed, 1e8), ConfigError);
  }
  SECTION("clock above f_max") {
    try {
      make_operating_point(t, 1.0, 0.6, ClockMode::kFixed, 1e9);
      FAIL("no error");
    } catch (const ConfigError& e) {
      std::string msg = e.what();
      INFO(msg);
      CHECK(msg.find("round.json") != std::string::npos);
      CHECK(msg.find("clock 1000.000 MHz exceeds f_max") != std::string::npos);
      CHECK(msg.find("at V_logic 0.6 V") != std::string::npos);
    }
  }
  SECTION("clock follows f_max") {
    auto op = make_operating_point(t, 0.8, 0.6, ClockMode::kFollowFmax, 0);
    // (0.3^1.3 / 0.6) / (0.7^1.3 / 1.0) x 1 GHz
    CHECK(op.clock_hz == Approx(1e9 * std::pow(0.3, 1.3) / 0.6 / std::pow(0.7, 1.3)));
    CHECK(op.v_sram_v == 0.8);
  }
  SECTION("clock scaled from a nominal clock below f_max") {
    auto op = make_operating_point(t, 1.0, 0.6, ClockMode::kScaleNominal, 5e8);
    CHECK(op.clock_hz == Approx(5e8 * std::pow(0.3, 1.3) / 0.6 / std::pow(0.7, 1.3)));
  }
  SECTION("clock mode names") {
    CHECK(clock_mode_from_string("follow_fmax", "cli", "--clock-mode") == ClockMode::kFollowFmax);
    CHECK_THROWS_AS(clock_mode_from_string("auto", "cli", "--clock-mode"), ConfigError);
  }
}

TEST_CASE("every per-action figure of the shipped presets carries a unit and a source",
          "[energy][technology][sources]") {
  const std::string preset =
      GENERATE(std::string("45nm"), std::string("14nm-normalized"), std::string("14nm-measured-chip1"),
               std::string("14nm-measured-chip2"), std::string("14nm-measured-chip3"));
  const auto t = TechnologyParams::from_json_file(std::string(LVSIM_SOURCE_DIR) + "/presets/tech/" + preset + ".json");
  for (const std::string& field : sourced_technology_fields()) {
    if (field == "sram_periphery.array_fraction" && t.sram_periphery_follows_sram_voltage) continue;  // not present
    INFO(preset << " " << field);
    REQUIRE(t.sources.count(field) == 1);
    CHECK(!t.sources.at(field).unit.empty());
    CHECK(!t.sources.at(field).source.empty());
  }
}

TEST_CASE("a source for a field that does not exist is rejected", "[energy][technology][sources]") {
  auto j = lvsim::test::round_tech_json();
  j["sources"]["dynamic_energy.pe_register_write_pj"] = {{"unit", "pJ"}, {"source", "old name"}};
  expect_bad_file("tech_bad_source.json", j, "sources.dynamic_energy.pe_register_write_pj", "unknown");
  j = lvsim::test::round_tech_json();
  j["sources"]["dynamic_energy.post_op_pj"] = {{"unit", "pJ"}, {"source", ""}};
  expect_bad_file("tech_empty_source.json", j, "source", "must not be empty");
}
