#include "sim/report/sensitivity_outputs.h"

#include <cstdio>
#include <sstream>
#include <vector>

#include "sim/report/study_outputs.h"

namespace lvsim {

namespace {

using Json = nlohmann::ordered_json;  // columns in the documented order

Json row_json(const SensitivityMap& m, const SensitivityRow& r) {
  const bool layer = r.scope.kind == SensitivityScope::Kind::Layer;
  const bool bit = r.scope.kind == SensitivityScope::Kind::Bit;
  Json j;
  j["scope"] = scope_kind_name(r.scope.kind);
  j["layer"] = r.layer_name;
  j["layer_index"] = layer ? Json(r.scope.layer) : Json();
  j["bit"] = bit ? Json(r.scope.bit) : Json();
  j["chips"] = r.accuracy.n;
  j["images"] = m.images;
  j["bits_stored"] = r.bits_stored;
  j["bit_errors_mean"] = r.bit_errors_mean;
  j["weights_changed_mean"] = r.weights_changed_mean;
  j["ber_measured"] = r.bits_stored ? r.bit_errors_mean / double(r.bits_stored) : 0.0;
  j["accuracy_clean"] = m.accuracy_clean;
  j["accuracy_mean"] = r.accuracy.mean;
  j["accuracy_std"] = r.accuracy.std;
  j["accuracy_min"] = r.accuracy.min;
  j["accuracy_max"] = r.accuracy.max;
  j["accuracy_drop_mean"] = m.accuracy_clean - r.accuracy.mean;
  j["robust_error_mean"] = r.robust_error.mean;
  j["robust_error_std"] = r.robust_error.std;
  j["robust_error_max"] = r.robust_error.max;
  j["robust_error_increase_mean"] = r.robust_error.mean - (1.0 - m.accuracy_clean);
  return j;
}

std::string fmt(const char* spec, double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, spec, x);
  return buf;
}

std::string header_line(const Json& d) {
  const bool volts = d["axis"] == "v_sram_v";
  const std::string at =
      volts ? "V_sram " + fmt("%g", d["v_sram_v"].get<double>()) + " V" : "p " + fmt("%g", d["ber"].get<double>());
  return "sensitivity " + d["network"].get<std::string>() + " at " + at + " (" + d["fault_model"].get<std::string>() +
         "), " + d["architecture"].get<std::string>() + ", technology " + d["technology"].get<std::string>() + ", " +
         std::to_string(d["images"].get<int64_t>()) + " images x " + std::to_string(d["chips"].size()) +
         " chips, mode " + d["mode"].get<std::string>() + "\n";
}

}  // namespace

nlohmann::ordered_json sensitivity_json(const SensitivityMap& m) {
  Json d;
  d["format"] = "lvsim-sensitivity";
  d["version"] = 1;
  d["network"] = m.network;
  d["network_file"] = m.network_file;
  d["architecture"] = m.architecture;
  d["technology"] = m.technology;
  d["data"] = m.data_dir;
  d["images"] = m.images;
  d["mode"] = run_mode_name(m.mode);
  d["axis"] = study_axis_name(m.axis);
  d["v_sram_v"] = m.axis == StudyAxis::VSram ? Json(m.value) : Json();
  d["ber"] = m.axis == StudyAxis::Ber ? Json(m.value) : Json();
  d["fault_model"] = m.fault_model;
  d["stuck_at_1_fraction"] = m.stuck_at_1_fraction;
  d["ecc"] = m.ecc;
  d["chips"] = m.chip_seeds;
  d["by"] = sensitivity_by_name(m.by);
  d["accuracy_clean"] = m.accuracy_clean;
  d["rows"] = Json::array();
  for (const SensitivityRow& r : m.rows) d["rows"].push_back(row_json(m, r));
  return d;
}

std::string sensitivity_csv(const nlohmann::ordered_json& doc) {
  return rows_to_csv(std::vector<Json>(doc["rows"].begin(), doc["rows"].end()));
}

std::string sensitivity_text(const nlohmann::ordered_json& doc) {
  std::ostringstream out;
  out << header_line(doc);
  out << "clean accuracy " << fmt("%.2f", 100 * doc["accuracy_clean"].get<double>()) << " %, clean error (RErr floor) "
      << fmt("%.2f", 100 * (1 - doc["accuracy_clean"].get<double>())) << " %\n";
  out << "  scope  layer          bit   bits stored  bit errors   accuracy % mean +- std   drop %-pt"
         "   RErr % mean +- std   RErr +%-pt\n";
  for (const Json& r : doc["rows"]) {
    const std::string bit = r["bit"].is_null() ? "-" : std::to_string(r["bit"].get<int>());
    char line[256];
    std::snprintf(line, sizeof line,
                  "  %-6s %-14s %3s  %12lld  %10.1f   %8.2f +- %5.2f      %7.2f   %7.2f +- %5.2f     %7.2f\n",
                  r["scope"].get<std::string>().c_str(), r["layer"].get<std::string>().c_str(), bit.c_str(),
                  static_cast<long long>(r["bits_stored"].get<int64_t>()), r["bit_errors_mean"].get<double>(),
                  100 * r["accuracy_mean"].get<double>(), 100 * r["accuracy_std"].get<double>(),
                  100 * r["accuracy_drop_mean"].get<double>(), 100 * r["robust_error_mean"].get<double>(),
                  100 * r["robust_error_std"].get<double>(), 100 * r["robust_error_increase_mean"].get<double>());
    out << line;
  }
  return out.str();
}

}  // namespace lvsim
