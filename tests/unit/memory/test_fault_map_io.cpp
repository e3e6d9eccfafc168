// Fault-map files: round trips, profiled maps vs the chip, tiling, located errors; chip report.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "common/errors.h"
#include "common/json_reader.h"
#include "memory/chip_fault_model.h"
#include "memory/fault_map_io.h"
#include "sim/report/chip_report.h"

using namespace lvsim;

namespace {

std::string temp_path(const std::string& name) {
  std::filesystem::path dir = std::filesystem::path(LVSIM_BINARY_DIR) / "test_fault_map_io";
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

std::string write_text(const std::string& name, const std::string& text) {
  std::string p = temp_path(name);
  std::ofstream(p) << text;
  return p;
}

BitcellFailureParams normal_params() {
  BitcellFailureParams p;
  p.mean_v = 0.10;
  p.sigma_v = 0.14;
  p.cell_types = {0.3, 0.3, 0.4};
  p.sigma_column_v = 0.01;
  return p;
}

const FaultGeometry kGeom{8, 2048, 32, 7};

// Expects a UserError whose message names the file and contains `field`.
template <class Error>
void expect_error(const std::string& path, const std::string& field) {
  try {
    read_fault_map(path);
    FAIL("no error reading " << path);
  } catch (const Error& e) {
    std::string msg = e.what();
    INFO(msg);
    CHECK(msg.find(path) != std::string::npos);
    CHECK(msg.find(field) != std::string::npos);
  }
}

// A 2-bank x 4-row x (8 + 5)-bit map file whose remaining keys are `rest` (ending in "}").
std::string with_header(const std::string& rest) {
  std::string s = R"({"format": "lvsim-fault-map", "version": 1, )";
  s += R"("geometry": {"banks": 2, "rows": 4, "data_bits": 8, "check_bits": 5}, )";
  s += rest;
  return s;
}

}  // namespace

TEST_CASE("fault map io: failure-voltage map round trip, and it reproduces the chip", "[fault_io]") {
  ChipFaultModel chip(normal_params(), kGeom, 77);
  ProfiledFaultMap prof = chip.profile(0.50);
  REQUIRE(prof.cells().size() > 100);
  std::string path = temp_path("profile.json");
  write_fault_map(prof, path, "test");
  ProfiledFaultMap back = read_fault_map(path);
  CHECK(back.has_failure_voltages());
  CHECK(back.geometry() == kGeom);
  CHECK(back.voltage_v() == prof.voltage_v());
  REQUIRE(back.cells().size() == prof.cells().size());
  for (size_t i = 0; i < back.cells().size(); ++i) {
    REQUIRE(back.cells()[i].fault == prof.cells()[i].fault);
    REQUIRE(back.cells()[i].failure_voltage_v == prof.cells()[i].failure_voltage_v);  // exact double round trip
  }
  // The loaded map gives the simulated chip's failing cells at any voltage it covers.
  for (double v : {0.50, 0.55, 0.61, 0.70}) CHECK(back.at(v).cells() == chip.faults_at(v).cells());
  CHECK_THROWS_AS(back.at(0.45), ConfigError);
  CHECK(fault_map_to_json(back, "test") == parse_json_file(path));
}

TEST_CASE("fault map io: one-voltage map round trip", "[fault_io]") {
  ChipFaultModel chip(normal_params(), kGeom, 78);
  FaultMap m = chip.faults_at(0.55);
  std::string path = temp_path("at.json");
  write_fault_map(ProfiledFaultMap::at_one_voltage(m, 0.55), path, "");
  ProfiledFaultMap back = read_fault_map(path);
  CHECK_FALSE(back.has_failure_voltages());
  CHECK(back.voltage_v() == 0.55);
  CHECK(back.at(std::nullopt).cells() == m.cells());
  CHECK(back.at(0.9).word_faults().size() == m.word_faults().size());
}

TEST_CASE("fault map: fitting to a memory, with and without tiling", "[fault_io]") {
  FaultGeometry g{2, 4, 8, 5};
  FaultMap m(g, {{0, 1, 2, CellFaultType::stuck_at_0}, {1, 3, 12, CellFaultType::read_flip}});
  ProfiledFaultMap p = ProfiledFaultMap::at_one_voltage(m, std::nullopt);
  FaultGeometry bigger{3, 6, 8, 5};
  CHECK_THROWS_AS(p.fit(bigger, false, "map.json"), ConfigError);
  // Tiled: bank b <- b % 2, row r <- r % 4. By hand: (0,1,2) -> banks 0 and 2, rows 1 and 5;
  // (1,3,12) -> bank 1, row 3 (row 7 is beyond 6 rows).
  FaultMap t = p.fit(bigger, true, "map.json").at(std::nullopt);
  std::vector<CellFault> expected{{0, 1, 2, CellFaultType::stuck_at_0},
                                  {0, 5, 2, CellFaultType::stuck_at_0},
                                  {1, 3, 12, CellFaultType::read_flip},
                                  {2, 1, 2, CellFaultType::stuck_at_0},
                                  {2, 5, 2, CellFaultType::stuck_at_0}};
  CHECK(t.cells() == expected);
  // Smaller memory: cells beyond it are dropped.
  FaultMap s = p.fit(FaultGeometry{1, 2, 8, 5}, false, "map.json").at(std::nullopt);
  CHECK(s.cells() == std::vector<CellFault>{{0, 1, 2, CellFaultType::stuck_at_0}});
  // Different word width: never silently reinterpreted.
  try {
    p.fit(FaultGeometry{2, 4, 8, 0}, true, "map.json");
    FAIL("no error");
  } catch (const ConfigError& e) {
    CHECK(std::string(e.what()).find("map.json: geometry") != std::string::npos);
  }
}

TEST_CASE("fault map io: bad files give errors naming file and field", "[fault_io]") {
  expect_error<FormatError>(write_text("malformed.json", "{\"format\": \"lvsim-fault-map\", "), "malformed JSON");
  expect_error<FormatError>(write_text("notamap.json", R"({"format": "lvsim-network"})"), "format");
  expect_error<ConfigError>(write_text("version.json", R"({"format": "lvsim-fault-map", "version": 2})"), "version");
  expect_error<FormatError>(
      write_text("bit.json", with_header(R"("kind": "at_voltage", "cells": [[0, 0, 1, "sa0"], [1, 2, 13, "flip"]]})")),
      "cells[1]");
  expect_error<FormatError>(
      write_text("row.json", with_header(R"("kind": "at_voltage", "cells": [[0, -1, 1, "sa0"]]})")), "cells[0]");
  expect_error<FormatError>(
      write_text("bank.json", with_header(R"("kind": "at_voltage", "cells": [[2, 0, 1, "sa0"]]})")), "cells[0]");
  expect_error<FormatError>(
      write_text("type.json", with_header(R"("kind": "at_voltage", "cells": [[0, 0, 1, "stuck"]]})")), "cells[0]");
  expect_error<FormatError>(
      write_text("dup.json", with_header(R"("kind": "at_voltage", "cells": [[0, 0, 1, "sa0"], [0, 0, 1, "sa1"]]})")),
      "cells");
  expect_error<FormatError>(
      write_text("novolt.json",
                 with_header(R"("kind": "failure_voltages", "voltage_v": 0.5, "cells": [[0, 0, 1, "sa0"]]})")),
      "cells[0]");
  expect_error<ConfigError>(write_text("missingv.json", with_header(R"("kind": "failure_voltages", "cells": []})")),
                            "voltage_v");
  expect_error<ConfigError>(
      write_text("unknown.json", with_header(R"("kind": "at_voltage", "cells": [], "colour": 1})")), "colour");
  expect_error<ConfigError>(
      write_text(
          "geom.json",
          R"({"format": "lvsim-fault-map", "version": 1, "geometry": {"banks": 0, "rows": 4, "data_bits": 8, "check_bits": 0}, "kind": "at_voltage", "cells": []})"),
      "geometry.banks");
  expect_error<ConfigError>(
      write_text(
          "wide.json",
          R"({"format": "lvsim-fault-map", "version": 1, "geometry": {"banks": 1, "rows": 4, "data_bits": 65, "check_bits": 0}, "kind": "at_voltage", "cells": []})"),
      "geometry.data_bits");
  // banks x rows x cells would overflow 64 bits (2^20 x 2^40 x 80): refused before it is computed.
  expect_error<ConfigError>(
      write_text(
          "huge.json",
          R"({"format": "lvsim-fault-map", "version": 1, "geometry": {"banks": 1048576, "rows": 1099511627776, "data_bits": 64, "check_bits": 16}, "kind": "at_voltage", "cells": []})"),
      "geometry.rows");
  CHECK_THROWS_AS(read_fault_map(temp_path("does-not-exist.json")), ConfigError);
}

TEST_CASE("chip report: table, per-bank counts, export", "[fault_io]") {
  ChipReportParams rp;
  rp.geometry = kGeom;
  rp.seed = 5;
  rp.voltages_v = {0.7, 0.6, 0.5};
  ChipReport r = chip_report(normal_params(), rp);
  const auto& rows = r.json["ber_vs_voltage"];
  REQUIRE(rows.size() == 3);
  CHECK(rows[0]["failing_cells"].get<int64_t>() <= rows[1]["failing_cells"].get<int64_t>());
  CHECK(rows[1]["failing_cells"].get<int64_t>() <= rows[2]["failing_cells"].get<int64_t>());
  CHECK(rows[2]["ber"].get<double>() ==
        Approx(double(rows[2]["failing_cells"].get<int64_t>()) / double(kGeom.cells())));
  const auto& at = r.json["at_voltage"];
  CHECK(at["voltage_v"].get<double>() == 0.5);
  int64_t sum = 0;
  for (const auto& n : at["per_bank"]) sum += n.get<int64_t>();
  CHECK(sum == at["failing_cells"].get<int64_t>());
  CHECK(at["stuck_at_0"].get<int64_t>() + at["stuck_at_1"].get<int64_t>() + at["read_flip"].get<int64_t>() == sum);
  CHECK(at["zero_to_one_cells"].get<int64_t>() == at["stuck_at_1"].get<int64_t>() + at["read_flip"].get<int64_t>());
  CHECK(r.text.find("failing_cells") != std::string::npos);

  std::string path = temp_path("export.json");
  int64_t written = export_fault_map(normal_params(), kGeom, 5, std::nullopt, 0.5, path);
  CHECK(written == at["failing_cells"].get<int64_t>());
  CHECK(read_fault_map(path).at(0.6).size() == size_t(rows[1]["failing_cells"].get<int64_t>()));
  rp.voltages_v = {};
  CHECK_THROWS_AS(chip_report(normal_params(), rp), ConfigError);
}
