#include "memory/fault_map_io.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <tuple>

#include "common/errors.h"
#include "common/json_reader.h"
#include "common/output_file.h"

namespace lvsim {

static CellFaultType parse_type(const nlohmann::json& v, const std::string& origin, const std::string& field) {
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    if (s == "sa0") return CellFaultType::stuck_at_0;
    if (s == "sa1") return CellFaultType::stuck_at_1;
    if (s == "flip") return CellFaultType::read_flip;
  }
  throw FormatError(located(origin, field, "expected a cell type \"sa0\", \"sa1\" or \"flip\""));
}

ProfiledFaultMap fault_map_from_json(const nlohmann::json& j, const std::string& origin) {
  if (!j.is_object() || !j.contains("format") || j["format"] != "lvsim-fault-map")
    throw FormatError(located(origin, "format", "not a fault map (expected \"format\": \"lvsim-fault-map\")"));
  JsonObject top(j, origin, "");
  top.get_string("format");
  if (top.get_int("version", 0, INT64_MAX) != 1) top.fail("version", "unsupported version (expected 1)");
  FaultGeometry g;
  {
    JsonObject go = top.get_object("geometry");
    g.banks = int(go.get_int("banks", 1, 1 << 20));
    g.rows = go.get_int("rows", 1, int64_t(1) << 40);
    g.data_bits = int(go.get_int("data_bits", 1, 64));
    g.check_bits = int(go.get_int("check_bits", 0, 16));
    go.finish();
  }
  g.validate(origin, "geometry");  // banks x rows x cells within kMaxFaultCells
  const bool with_voltages = top.get_enum("kind", {"failure_voltages", "at_voltage"}) == "failure_voltages";
  std::optional<double> voltage_v;
  if (with_voltages || top.has("voltage_v")) voltage_v = top.get_double("voltage_v", -100.0, 100.0);
  top.get_string("source", "");
  const nlohmann::json& arr = top.at("cells");
  top.finish();
  if (!arr.is_array()) throw FormatError(located(origin, "cells", "expected an array of cells"));

  const size_t width = with_voltages ? 5 : 4;
  const std::string shape = with_voltages ? "[bank, row, cell, type, failure_voltage_v]" : "[bank, row, cell, type]";
  std::vector<ProfiledCell> cells;
  cells.reserve(arr.size());
  auto index = [&](const nlohmann::json& v, const std::string& field, const std::string& what, int64_t limit) {
    if (!v.is_number_integer()) throw FormatError(located(origin, field, what + ": expected an integer"));
    int64_t x = v.get<int64_t>();
    if (x < 0 || x >= limit)
      throw FormatError(
          located(origin, field, what + " " + std::to_string(x) + " out of range [0, " + std::to_string(limit) + ")"));
    return x;
  };
  for (size_t i = 0; i < arr.size(); ++i) {
    const std::string f = "cells[" + std::to_string(i) + "]";
    const nlohmann::json& c = arr[i];
    if (!c.is_array() || c.size() != width) throw FormatError(located(origin, f, "expected " + shape));
    ProfiledCell pc;
    pc.fault.bank = int(index(c[0], f, "bank", g.banks));
    pc.fault.row = index(c[1], f, "row", g.rows);
    pc.fault.cell = int(index(c[2], f, "cell (bit)", g.cells_per_word()));
    pc.fault.type = parse_type(c[3], origin, f);
    if (with_voltages) {
      if (!c[4].is_number() || !std::isfinite(c[4].get<double>()))
        throw FormatError(located(origin, f, "failure_voltage_v: expected a finite number"));
      pc.failure_voltage_v = c[4].get<double>();
      // A supply voltage: 0 or below would mean a cell that never fails, 10^30 one that always does.
      if (!(pc.failure_voltage_v > 0 && pc.failure_voltage_v <= kMaxFailureVoltageV))
        throw FormatError(located(origin, f,
                                  "failure_voltage_v: " + c[4].dump() + " is not a supply voltage in (0, " +
                                      std::to_string(int(kMaxFailureVoltageV)) + "] V"));
    }
    cells.push_back(pc);
  }
  std::sort(cells.begin(), cells.end(), [](const ProfiledCell& a, const ProfiledCell& b) {
    return std::tie(a.fault.bank, a.fault.row, a.fault.cell) < std::tie(b.fault.bank, b.fault.row, b.fault.cell);
  });
  for (size_t i = 1; i < cells.size(); ++i) {
    const CellFault &x = cells[i - 1].fault, &y = cells[i].fault;
    if (x.bank == y.bank && x.row == y.row && x.cell == y.cell)
      throw FormatError(located(origin, "cells",
                                "cell listed twice: bank " + std::to_string(y.bank) + ", row " + std::to_string(y.row) +
                                    ", cell " + std::to_string(y.cell)));
  }
  if (with_voltages) return ProfiledFaultMap::with_failure_voltages(g, std::move(cells), *voltage_v);
  std::vector<CellFault> faults;
  faults.reserve(cells.size());
  for (const ProfiledCell& c : cells) faults.push_back(c.fault);
  return ProfiledFaultMap::at_one_voltage(FaultMap(g, std::move(faults)), voltage_v);
}

ProfiledFaultMap read_fault_map(const std::string& path) {
  return fault_map_from_json(parse_json_file(path), path);
}

static nlohmann::json cell_json(const ProfiledCell& c, bool with_voltage) {
  nlohmann::json e = nlohmann::json::array({c.fault.bank, c.fault.row, c.fault.cell, to_string(c.fault.type)});
  if (with_voltage) e.push_back(c.failure_voltage_v);
  return e;
}

nlohmann::json fault_map_to_json(const ProfiledFaultMap& map, const std::string& source) {
  const FaultGeometry& g = map.geometry();
  nlohmann::json j;
  j["format"] = "lvsim-fault-map";
  j["version"] = 1;
  j["geometry"] = {{"banks", g.banks}, {"rows", g.rows}, {"data_bits", g.data_bits}, {"check_bits", g.check_bits}};
  j["kind"] = map.has_failure_voltages() ? "failure_voltages" : "at_voltage";
  if (map.voltage_v()) j["voltage_v"] = *map.voltage_v();
  if (!source.empty()) j["source"] = source;
  j["cells"] = nlohmann::json::array();
  for (const ProfiledCell& c : map.cells()) j["cells"].push_back(cell_json(c, map.has_failure_voltages()));
  return j;
}

void write_fault_map(const ProfiledFaultMap& map, const std::string& path, const std::string& source) {
  std::ostringstream out;
  nlohmann::json j = fault_map_to_json(map, source);
  nlohmann::json cells = std::move(j["cells"]);
  j.erase("cells");
  // Header keys first, then one cell per line: readable, diffable, and still plain JSON.
  out << "{\n";
  for (auto it = j.begin(); it != j.end(); ++it)
    out << "  " << nlohmann::json(it.key()).dump() << ": " << it->dump() << ",\n";
  out << "  \"cells\": [";
  for (size_t i = 0; i < cells.size(); ++i) out << (i ? ",\n    " : "\n    ") << cells[i].dump();
  out << (cells.empty() ? "]\n}\n" : "\n  ]\n}\n");
  write_file_atomically(path, out.str());  // complete or absent, never a partial map
}

}  // namespace lvsim
