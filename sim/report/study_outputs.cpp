#include "sim/report/study_outputs.h"

#include <array>
#include <cstdio>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "energy/action_counts_json.h"
#include "sim/study/study_stats.h"
#include "workloads/inference/zero_operands.h"

namespace lvsim {

namespace {

using Json = nlohmann::ordered_json;  // columns in the documented order

Json opt(const std::optional<double>& x) {
  return x ? Json(*x) : Json();
}

/// The value of the swept axis under its own name, and null under the other one.
void put_axis(Json& row, const StudySpec& s, size_t v) {
  row["v_sram_v"] = s.axis == StudyAxis::VSram ? Json(s.values[v]) : Json();
  row["ber"] = s.axis == StudyAxis::Ber ? Json(s.values[v]) : Json();
}

Json point_row(const StudyContext& ctx, const PointRecord& r) {
  const StudySpec& s = ctx.spec();
  Json row;
  row["network"] = ctx.networks()[size_t(r.network)].name;
  put_axis(row, s, size_t(r.value));
  row["chip_seed"] = s.chip_seeds[size_t(r.chip)];
  row["images"] = r.images;
  row["correct"] = r.correct;
  row["accuracy"] = double(r.correct) / double(r.images);
  row["robust_error"] = double(r.robust_wrong) / double(r.images);
  row["bits_stored"] = r.bits_stored;
  row["bit_errors"] = r.bit_errors;
  row["ber_measured"] = r.bits_stored ? double(r.bit_errors) / double(r.bits_stored) : 0.0;
  row["weights_changed"] = r.weights_changed;
  row["failing_cells"] = r.failing_cells;
  row["failing_cell_fraction"] = double(r.failing_cells) / double(ctx.geometry().cells());
  row["faulty_words"] = r.faulty_words;
  row["ecc_corrected"] = r.ecc_corrected;
  row["ecc_detected"] = r.ecc_detected;
  row["ecc_silent"] = r.ecc_silent;
  row["transient_bit_errors"] = r.transient_bit_errors;
  row["weights_as_previous_value"] = r.weights_as_previous_value;
  int64_t zeros = 0;
  for (int64_t z : r.zero_operand_macs_by_weight_bits) zeros += z;
  row["zero_operand_macs_per_inference"] = double(zeros) / double(r.images);
  const StudyValueEnergy e =
      ctx.energy(size_t(r.network), size_t(r.value), r.zero_operand_macs_by_weight_bits, r.images);
  row["energy_per_inference_pj"] = e.energy_pj;
  row["energy_saved_total"] = e.energy_saved_total;
  row["energy_saved_weight_sram"] = e.energy_saved_weight_sram;
  row["gating_saved_energy_per_inference_pj"] = e.gating_saved_energy_per_inference_pj;
  return row;
}

/// The network's activation sparsity in its clean run (no faults): over all conv/linear layers,
/// and per layer ({layer name: fraction}).
Json clean_sparsity(const StudyContext& ctx, size_t n) {
  const StudyNetworkState& s = ctx.networks()[n];
  return opt(network_activation_sparsity(s.net, s.clean_zero_activation_codes, ctx.test().count));
}

Json clean_sparsity_by_layer(const StudyContext& ctx, size_t n) {
  const StudyNetworkState& s = ctx.networks()[n];
  const std::vector<std::optional<double>> per_layer =
      activation_sparsity(s.net, s.clean_zero_activation_codes, ctx.test().count);
  Json j = Json::object();
  for (size_t l = 0; l < per_layer.size(); ++l)
    if (per_layer[l]) j[s.net.layers[l].name] = *per_layer[l];
  return j;
}

/// Energy per inference averaged over the chips: the costs are linear in the counts, so the mean
/// is the energy of all the chips' counts together over all their images.
void energy_fields(const StudyContext& ctx, size_t n, size_t v, const std::vector<const PointRecord*>& chips,
                   Json& row) {
  std::array<int64_t, 9> zeros{};
  int64_t images = 0;
  for (const PointRecord* r : chips) {
    images += r->images;
    for (size_t b = 0; b < zeros.size(); ++b) zeros[b] += r->zero_operand_macs_by_weight_bits[b];
  }
  const StudyValueEnergy e = ctx.energy(n, v, zeros, images);
  row["energy_per_inference_pj"] = e.energy_pj;
  row["energy_breakdown_pj"] = e.breakdown.to_json();
  row["energy_saved_total"] = e.energy_saved_total;
  row["energy_saved_weight_sram"] = e.energy_saved_weight_sram;
  row["cycles_per_inference"] = ctx.networks()[n].cycles_per_image;
  row["time_per_inference_s"] = double(ctx.networks()[n].cycles_per_image) / e.op.clock_hz;
  row["clock_hz"] = e.op.clock_hz;
  row["v_logic_v"] = e.op.v_logic_v;
  row["gating_saved_energy_per_inference_pj"] = e.gating_saved_energy_per_inference_pj;
}

Json summary_row(const StudyContext& ctx, size_t n, size_t v, const std::vector<const PointRecord*>& chips) {
  std::vector<double> acc, rerr;
  int64_t bits = 0, errors = 0;
  for (const PointRecord* r : chips) {
    acc.push_back(double(r->correct) / double(r->images));
    rerr.push_back(double(r->robust_wrong) / double(r->images));
    bits += r->bits_stored;
    errors += r->bit_errors;
  }
  const SampleStats a = summarize(acc), e = summarize(rerr);
  Json row;
  row["network"] = ctx.networks()[n].name;
  put_axis(row, ctx.spec(), v);
  row["chips"] = a.n;
  row["cell_failure_expected"] = ctx.cell_failure_expected(v);
  row["ber_expected"] = ctx.ber_expected(n, v);
  row["ber_measured"] = bits ? double(errors) / double(bits) : 0.0;
  row["accuracy_clean"] = double(ctx.networks()[n].correct_clean) / double(ctx.test().count);
  row["accuracy_mean"] = a.mean;
  row["accuracy_std"] = a.std;
  row["accuracy_min"] = a.min;
  row["accuracy_max"] = a.max;
  row["accuracy_ci95_low"] = opt(a.ci95_low);
  row["accuracy_ci95_high"] = opt(a.ci95_high);
  row["robust_error_mean"] = e.mean;
  row["robust_error_max"] = e.max;
  row["robust_error_std"] = e.std;
  row["robust_error_min"] = e.min;
  row["robust_error_ci95_low"] = opt(e.ci95_low);
  row["robust_error_ci95_high"] = opt(e.ci95_high);
  energy_fields(ctx, n, v, chips, row);
  row["activation_sparsity_clean"] = clean_sparsity(ctx, n);
  // Per conv/linear layer in the network's layer order (names: summary.json networks[]); one CSV
  // cell holding the JSON array.
  const Json per_layer = clean_sparsity_by_layer(ctx, n);
  Json by_layer = Json::array();
  for (const auto& [name, x] : per_layer.items()) by_layer.push_back(x);
  row["activation_sparsity_clean_by_layer"] = by_layer;
  return row;
}

/// The lowest voltage (highest rate) down to which every swept value keeps `key` within `bound`:
/// accuracy (accuracy_mean, accuracy_min) at least the bound, or robust error (robust_error_mean,
/// robust_error_max) at most it; null members when not even the first value does. The member
/// `metric_name` holds the statistic at that value.
Json threshold(const StudyContext& ctx, const std::vector<Json>& rows, double bound, const char* key,
               const char* metric_name) {
  const char* axis = study_axis_name(ctx.spec().axis);
  const bool error_metric = std::string(metric_name) == "robust_error";
  const Json* last = nullptr;
  // 1e-12: accuracies are counts / images; the bound comes from a fraction given in decimal.
  for (const Json& row : rows) {
    const double x = row[key].get<double>();
    if (error_metric ? x > bound + 1e-12 : x < bound - 1e-12) break;
    last = &row;
  }
  Json t = {
      {axis, Json()}, {metric_name, Json()}, {"energy_saved_total", Json()}, {"energy_saved_weight_sram", Json()}};
  if (last) {
    t[axis] = (*last)[axis];
    t[metric_name] = (*last)[key];
    t["energy_saved_total"] = (*last)["energy_saved_total"];
    t["energy_saved_weight_sram"] = (*last)["energy_saved_weight_sram"];
  }
  return t;
}

Json network_entry(const StudyContext& ctx, size_t n, const std::vector<Json>& rows) {
  const StudyNetworkState& s = ctx.networks()[n];
  const double clean = double(s.correct_clean) / double(ctx.test().count);
  Json j = {{"name", s.name},
            {"file", s.file},
            {"accuracy_clean", clean},
            {"macs_per_image", s.net.total_macs()},
            {"cycles_per_inference", s.cycles_per_image},
            {"action_counts_per_inference", action_counts_to_json(s.counts_per_image)},
            {"activation_sparsity_clean", clean_sparsity(ctx, n)},
            {"activation_sparsity_clean_by_layer", clean_sparsity_by_layer(ctx, n)}};
  j["thresholds"] = Json::array();
  for (double d : ctx.spec().max_drop)
    j["thresholds"].push_back({{"max_drop", d},
                               {"mean", threshold(ctx, rows, clean - d, "accuracy_mean", "accuracy")},
                               {"worst_chip", threshold(ctx, rows, clean - d, "accuracy_min", "accuracy")}});
  // The seed work's metric: robust error (clean or faulty misclassification) against the clean
  // test error, 1 - accuracy_clean.
  j["rerr_thresholds"] = Json::array();
  for (double d : ctx.spec().max_rerr_increase)
    j["rerr_thresholds"].push_back(
        {{"max_rerr_increase", d},
         {"mean", threshold(ctx, rows, 1 - clean + d, "robust_error_mean", "robust_error")},
         {"worst_chip", threshold(ctx, rows, 1 - clean + d, "robust_error_max", "robust_error")}});
  return j;
}

Json study_entry(const StudyContext& ctx) {
  const StudySpec& s = ctx.spec();
  Json j = {{"axis", study_axis_name(s.axis)},
            {"values", s.values},
            {"data", s.data_dir},
            {"images", ctx.test().count},
            {"architecture", ctx.arch().name},
            {"technology", ctx.tech().name},
            {"energy_unit", ctx.tech().energy_unit},
            {"mode", run_mode_name(s.mode)},
            {"fault_model", s.fault_model},
            {"stuck_at_1_fraction", s.stuck_at_1_fraction},
            {"transient_ber", s.transient_ber},
            {"ecc", ctx.arch().weight_sram.ecc},
            {"chips", s.chip_seeds},
            {"ci_width", opt(s.ci_width)},
            {"min_chips", s.min_chips},
            {"max_drop", s.max_drop},
            {"max_rerr_increase", s.max_rerr_increase},
            {"v_logic_v", ctx.operating_point(0).v_logic_v},
            {"v_sram_nominal_v", ctx.nominal().v_sram_v},
            {"clock_hz", ctx.operating_point(0).clock_hz},
            {"norm_params", s.norm_params_in_sram ? "sram" : "register"}};
  j["networks"] = Json::array();
  for (const StudyNetworkState& n : ctx.networks()) j["networks"].push_back({{"name", n.name}, {"file", n.file}});
  return j;
}

}  // namespace

std::string rows_to_csv(const std::vector<nlohmann::ordered_json>& rows) {
  if (rows.empty()) return "";
  std::vector<std::pair<std::string, std::string>> cols;  // (column, member path)
  for (const auto& [k, v] : rows[0].items()) {
    if (v.is_object())
      for (const auto& [k2, v2] : v.items()) cols.push_back({k + "/" + k2, k});
    else
      cols.push_back({k, ""});
  }
  std::ostringstream out;
  for (size_t i = 0; i < cols.size(); ++i) {
    std::string name = cols[i].first;
    if (const size_t slash = name.find('/'); slash != std::string::npos)  // energy_breakdown_pj/x -> energy_x_pj
      name = "energy_breakdown_" + name.substr(slash + 1) + "_pj";
    out << (i ? "," : "") << name;
  }
  out << "\n";
  for (const Json& row : rows) {
    for (size_t i = 0; i < cols.size(); ++i) {
      const auto& [col, parent] = cols[i];
      const Json& v = parent.empty() ? row[col] : row[parent][col.substr(parent.size() + 1)];
      out << (i ? "," : "") << csv_cell(v);
    }
    out << "\n";
  }
  return out.str();
}

namespace {

/// thresholds.csv: one row per network, criterion (accuracy_drop or rerr_increase), bound and
/// statistic (mean over chips or worst chip), with the value found and the energy it saves.
std::string thresholds_csv(const Json& networks, const char* axis) {
  std::ostringstream out;
  out << "network,criterion,threshold,statistic," << axis
      << ",accuracy,robust_error,energy_saved_total,energy_saved_weight_sram\n";
  auto emit = [&](const Json& n, const char* criterion, double d, const char* stat, const Json& t) {
    out << csv_cell(n["name"]) << "," << criterion << "," << csv_cell(Json(d)) << "," << stat << ","
        << csv_cell(t[axis]) << "," << csv_cell(t.contains("accuracy") ? t["accuracy"] : Json()) << ","
        << csv_cell(t.contains("robust_error") ? t["robust_error"] : Json()) << "," << csv_cell(t["energy_saved_total"])
        << "," << csv_cell(t["energy_saved_weight_sram"]) << "\n";
  };
  for (const Json& n : networks) {
    for (const Json& t : n["thresholds"]) {
      emit(n, "accuracy_drop", t["max_drop"].get<double>(), "mean", t["mean"]);
      emit(n, "accuracy_drop", t["max_drop"].get<double>(), "worst_chip", t["worst_chip"]);
    }
    for (const Json& t : n["rerr_thresholds"]) {
      emit(n, "rerr_increase", t["max_rerr_increase"].get<double>(), "mean", t["mean"]);
      emit(n, "rerr_increase", t["max_rerr_increase"].get<double>(), "worst_chip", t["worst_chip"]);
    }
  }
  return out.str();
}

}  // namespace

std::string csv_cell(const nlohmann::ordered_json& v) {
  if (v.is_null()) return "";
  if (v.is_number() || v.is_boolean()) return v.dump();  // numbers: shortest text that reads back to the same double
  // Strings as they are, objects and arrays (an exploration axis may take them) as their JSON text;
  // quoted when they hold a separator, so the columns never shift.
  const std::string s = v.is_string() ? v.get<std::string>() : v.dump();
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

int settled_chip_count(const StudySpec& spec, const std::vector<double>& prefix_accuracy) {
  const size_t total = spec.chip_seeds.size();
  if (spec.ci_width) {
    const size_t n = chips_for_ci_width(prefix_accuracy, *spec.ci_width, size_t(spec.min_chips));
    if (n > 0) return int(n);
  }
  return prefix_accuracy.size() >= total ? int(total) : -1;
}

StudyOutputs build_study_outputs(const StudyContext& ctx, const std::vector<PointRecord>& records) {
  const StudySpec& s = ctx.spec();
  std::map<std::tuple<int, int, int>, const PointRecord*> by_key;
  for (const PointRecord& r : records) by_key[{r.network, r.value, r.chip}] = &r;
  std::vector<Json> point_rows, summary_rows;
  Json networks = Json::array();
  for (size_t n = 0; n < ctx.networks().size(); ++n) {
    std::vector<Json> rows;
    for (size_t v = 0; v < s.values.size(); ++v) {
      std::vector<const PointRecord*> chips;
      std::vector<double> acc;
      for (size_t c = 0; c < s.chip_seeds.size(); ++c) {
        const auto it = by_key.find({int(n), int(v), int(c)});
        if (it == by_key.end()) break;
        chips.push_back(it->second);
        acc.push_back(double(it->second->correct) / double(it->second->images));
      }
      const int count = settled_chip_count(s, acc);
      if (count < 0) throw std::logic_error("study outputs: a point of " + ctx.networks()[n].name + " is missing");
      chips.resize(size_t(count));
      for (const PointRecord* r : chips) point_rows.push_back(point_row(ctx, *r));
      rows.push_back(summary_row(ctx, n, v, chips));
    }
    networks.push_back(network_entry(ctx, n, rows));
    summary_rows.insert(summary_rows.end(), rows.begin(), rows.end());
  }
  StudyOutputs out;
  const Json points = {{"format", "lvsim-study-points"}, {"version", 1}, {"points", point_rows}};
  const Json summary = {{"format", "lvsim-study-summary"},
                        {"version", 1},
                        {"study", study_entry(ctx)},
                        {"networks", networks},
                        {"points", summary_rows}};
  out.points_json = points.dump(1) + "\n";
  out.summary_json = summary.dump(1) + "\n";
  out.points = nlohmann::json::parse(out.points_json);
  out.summary = nlohmann::json::parse(out.summary_json);
  out.points_csv = rows_to_csv(point_rows);
  out.summary_csv = rows_to_csv(summary_rows);
  out.thresholds_csv = thresholds_csv(networks, study_axis_name(s.axis));
  return out;
}

namespace {

std::string fmt_value(const nlohmann::json& v, const char* spec) {
  if (!v.is_number()) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, spec, v.get<double>());
  return buf;
}

std::string pct(const nlohmann::json& v) {
  return v.is_number() ? fmt_value(nlohmann::json(100.0 * v.get<double>()), "%.2f") : "-";
}

}  // namespace

std::string study_summary_text(const nlohmann::json& summary) {
  const nlohmann::json& st = summary["study"];
  const bool volts = st["axis"] == "v_sram_v";
  const char* axis = volts ? "v_sram_v" : "ber";
  std::ostringstream out;
  out << "study       " << st["architecture"].get<std::string>() << ", technology "
      << st["technology"].get<std::string>() << " (" << st["energy_unit"].get<std::string>() << "), "
      << st["images"].get<int64_t>() << " images x " << st["chips"].size() << " chips, mode "
      << st["mode"].get<std::string>() << "\n";
  for (const nlohmann::json& n : summary["networks"]) {
    const std::string name = n["name"].get<std::string>();
    out << "\nnetwork " << name << ": clean accuracy " << pct(n["accuracy_clean"]) << " %";
    if (n.contains("activation_sparsity_clean") && n["activation_sparsity_clean"].is_number())
      out << ", activation sparsity " << pct(n["activation_sparsity_clean"]) << " % (clean)";
    out << "\n";
    out << (volts ? "  V_sram" : "  p     ") << "  chips  accuracy % mean [95% CI]   worst   RErr %  BER measured"
        << "  energy/inf   saved % SRAM / total\n";
    for (const nlohmann::json& p : summary["points"]) {
      if (p["network"] != name) continue;
      char line[256];
      std::snprintf(
          line, sizeof line, "  %-7s %5lld  %6s [%6s, %6s]  %6s  %6s  %12s  %10s   %5s / %5s\n",
          fmt_value(p[axis], volts ? "%.3f" : "%.1e").c_str(), static_cast<long long>(p["chips"].get<int64_t>()),
          pct(p["accuracy_mean"]).c_str(), pct(p["accuracy_ci95_low"]).c_str(), pct(p["accuracy_ci95_high"]).c_str(),
          pct(p["accuracy_min"]).c_str(), pct(p["robust_error_mean"]).c_str(),
          fmt_value(p["ber_measured"], "%.3e").c_str(), fmt_value(p["energy_per_inference_pj"], "%.4g").c_str(),
          fmt_value(nlohmann::json(100.0 * p["energy_saved_weight_sram"].get<double>()), "%.1f").c_str(),
          fmt_value(nlohmann::json(100.0 * p["energy_saved_total"].get<double>()), "%.1f").c_str());
      out << line;
    }
    for (const nlohmann::json& t : n["thresholds"]) {
      auto where = [&](const nlohmann::json& x) {
        if (!x[axis].is_number()) return std::string("none");
        return fmt_value(x[axis], volts ? "%.3f" : "%.1e") + " (saved " +
               fmt_value(nlohmann::json(100.0 * x["energy_saved_weight_sram"].get<double>()), "%.1f") + " % SRAM, " +
               fmt_value(nlohmann::json(100.0 * x["energy_saved_total"].get<double>()), "%.1f") + " % total)";
      };
      out << "  accuracy drop <= " << fmt_value(nlohmann::json(100.0 * t["max_drop"].get<double>()), "%g")
          << " %-pt: " << (volts ? "lowest V_sram" : "highest p") << " mean " << where(t["mean"]) << ", worst chip "
          << where(t["worst_chip"]) << "\n";
    }
    for (const nlohmann::json& t : n.value("rerr_thresholds", nlohmann::json::array())) {
      auto where = [&](const nlohmann::json& x) {
        if (!x[axis].is_number()) return std::string("none");
        return fmt_value(x[axis], volts ? "%.3f" : "%.1e") + " (RErr " + pct(x["robust_error"]) + " %, saved " +
               fmt_value(nlohmann::json(100.0 * x["energy_saved_weight_sram"].get<double>()), "%.1f") + " % SRAM, " +
               fmt_value(nlohmann::json(100.0 * x["energy_saved_total"].get<double>()), "%.1f") + " % total)";
      };
      out << "  RErr increase <= " << fmt_value(nlohmann::json(100.0 * t["max_rerr_increase"].get<double>()), "%g")
          << " %-pt over the clean error " << pct(nlohmann::json(1.0 - n["accuracy_clean"].get<double>()))
          << " %: " << (volts ? "lowest V_sram" : "highest p") << " mean " << where(t["mean"]) << ", worst chip "
          << where(t["worst_chip"]) << "\n";
    }
  }
  return out.str();
}

}  // namespace lvsim
