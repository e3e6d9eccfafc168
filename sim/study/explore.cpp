#include "sim/study/explore.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>

#include "common/errors.h"
#include "common/input_file.h"
#include "common/json_reader.h"
#include "common/output_file.h"
#include "common/parallel.h"
#include "energy/energy_model.h"
#include "energy/operating_point.h"
#include "models/architecture.h"
#include "models/timing_model.h"
#include "models/workload_timing.h"
#include "sim/cli/presets.h"
#include "sim/report/explore_columns.h"
#include "sim/report/explore_report_html.h"
#include "sim/report/study_output_set.h"
#include "sim/report/study_outputs.h"

namespace lvsim {

namespace fs = std::filesystem;

namespace {

using Json = nlohmann::ordered_json;

bool is_voltage_axis(const std::string& name) {
  return name == "v_sram_v" || name == "v_logic_v";
}

/// The weight width workloads are re-quantized to (not an architecture parameter).
bool is_weight_bits_axis(const std::string& name) {
  return name == "weight_bits";
}

/// An axis (or a point's parameter) names a voltage, weight_bits or a dotted architecture path:
/// never empty, and no empty part ("array..rows", ".rows"), which the path setter cannot follow.
void check_axis_name(const std::string& name, const std::string& origin, const std::string& where) {
  if (name.empty()) throw ConfigError(located(origin, where, "empty parameter name \"\""));
  if (name.front() == '.' || name.back() == '.' || name.find("..") != std::string::npos)
    throw ConfigError(located(origin, where + "." + name, "empty part in the parameter path"));
}

/// A point's weight width (0: the workloads' own).
int point_weight_bits(const nlohmann::json& params) {
  return params.contains("weight_bits") ? params["weight_bits"].get<int>() : 0;
}

/// Sets the member at a dotted path (creating objects on the way; the architecture reader then
/// rejects keys it does not know).
void set_path(nlohmann::json& j, const std::string& path, const nlohmann::json& value) {
  nlohmann::json* at = &j;
  std::stringstream ss(path);
  std::string key;
  std::vector<std::string> keys;
  while (std::getline(ss, key, '.')) keys.push_back(key);
  if (keys.empty()) throw std::logic_error("set_path: empty path \"" + path + "\" (check_axis_name refuses it)");
  for (size_t i = 0; i + 1 < keys.size(); ++i) {
    if (!at->contains(keys[i]) || !(*at)[keys[i]].is_object()) (*at)[keys[i]] = nlohmann::json::object();
    at = &(*at)[keys[i]];
  }
  (*at)[keys.back()] = value;
}

/// One design point: the architecture and operating point, or why it cannot exist.
struct PointResult {
  Json params;
  bool feasible = false;
  std::string reason;
  ArchitectureParams arch;
  OperatingPoint op;
  std::vector<WorkloadResult> workloads;
};

/// The architecture of a point: the base file with the point's architecture axes applied.
/// array.dataflow (one dataflow) and array.dataflows (the mapper's choices) are alternatives: a
/// point that sets one drops the other from the base file.
nlohmann::json point_architecture(const nlohmann::json& base_arch, const nlohmann::json& params) {
  nlohmann::json aj = base_arch;
  for (const auto& [name, value] : params.items()) {
    if (is_voltage_axis(name) || is_weight_bits_axis(name)) continue;
    const char* other = name == "array.dataflow" ? "dataflows" : name == "array.dataflows" ? "dataflow" : nullptr;
    if (other && aj.contains("array") && aj["array"].is_object() && !params.contains(std::string("array.") + other))
      aj["array"].erase(other);
    set_path(aj, name, value);
  }
  return aj;
}

/// One distinct architecture of the grid, timed on every workload.
struct TimedArchitecture {
  bool feasible = false;
  std::string reason;
  ArchitectureParams arch;
  std::vector<WorkloadResult> workloads;
};

TimedArchitecture time_architecture(const nlohmann::json& aj, const std::string& arch_origin,
                                    const std::vector<LoadedWorkload>& workloads, const TechnologyParams& tech) {
  TimedArchitecture t;
  try {
    t.arch = architecture_from_json(aj, arch_origin);
    for (const LoadedWorkload& w : workloads) t.workloads.push_back(time_workload(w, t.arch, &tech));
    t.feasible = true;
  } catch (const UserError& e) {
    t.reason = e.what();
  }
  return t;
}

/// A point: its timed architecture at its voltages (clock checked against f_max), costed.
PointResult cost_point(const TimedArchitecture& t, const TechnologyParams& tech, const nlohmann::json& params) {
  PointResult p;
  p.params = params;
  if (!t.feasible) {
    p.reason = t.reason;
    return p;
  }
  const OperatingPoint nominal = nominal_operating_point(tech);
  double v_sram = nominal.v_sram_v, v_logic = nominal.v_logic_v;
  if (params.contains("v_sram_v")) v_sram = params["v_sram_v"].get<double>();
  if (params.contains("v_logic_v")) v_logic = params["v_logic_v"].get<double>();
  try {
    p.arch = t.arch;
    p.op = make_operating_point(tech, v_sram, v_logic, ClockMode::kFixed, p.arch.clock_hz);
    const EnergyModel em(tech, energy_hardware(p.arch));
    p.workloads = t.workloads;
    for (WorkloadResult& w : p.workloads)
      if (w.feasible) w.energy = em.breakdown(w.counts, p.op);
    p.feasible = true;
  } catch (const UserError& e) {
    p.reason = e.what();
  }
  return p;
}

std::vector<nlohmann::json> product(const std::vector<ExploreAxis>& axes) {
  std::vector<nlohmann::json> out = {nlohmann::json::object()};
  for (const ExploreAxis& a : axes) {
    std::vector<nlohmann::json> next;
    for (const nlohmann::json& p : out)
      for (const nlohmann::json& v : a.values) {
        nlohmann::json q = p;
        q[a.name] = v;
        next.push_back(q);
      }
    out = std::move(next);
  }
  return out;
}

}  // namespace

std::vector<nlohmann::json> ExploreSpec::design_points() const {
  if (!points.empty()) return points;
  return product(axes);
}

void ExploreSpec::validate(const std::string& origin) const {
  if (workloads.empty()) throw ConfigError(located(origin, "workloads", "no workload given"));
  if (int64_t(workloads.size()) > kExploreMaxWorkloads)
    throw ConfigError(located(origin, "workloads",
                              std::to_string(workloads.size()) + " workloads: more than the limit of " +
                                  std::to_string(kExploreMaxWorkloads) + " (kExploreMaxWorkloads)"));
  std::set<std::string> names, workload_names;
  for (const ExploreWorkload& w : workloads)
    if (!workload_names.insert(w.name).second)
      throw ConfigError(located(origin, "workloads", "two workloads are named \"" + w.name + "\""));
  // Counted saturating at the limits: 10 axes of 100 values would overflow int64.
  const int64_t rows_limit = kExploreMaxRows / int64_t(workloads.size());
  int64_t count = points.empty() ? 1 : int64_t(points.size());
  for (const ExploreAxis& a : axes) {
    check_axis_name(a.name, origin, "axes");
    if (a.values.empty()) throw ConfigError(located(origin, "axes." + a.name, "empty axis: give at least one value"));
    if (!names.insert(a.name).second) throw ConfigError(located(origin, "axes." + a.name, "axis given twice"));
    if (points.empty()) {
      std::set<std::string> seen;
      for (const nlohmann::json& v : a.values)
        if (!seen.insert(v.dump()).second)
          throw ConfigError(located(origin, "axes." + a.name, "value " + v.dump() + " given twice"));
      count = count > rows_limit / int64_t(a.values.size()) ? rows_limit + 1 : count * int64_t(a.values.size());
    }
    if (count > kExploreMaxPoints && !force)
      throw ConfigError(located(
          origin, "axes",
          "the grid has more than " + std::to_string(kExploreMaxPoints) + " points; give --force to run it anyway"));
  }
  if (count > rows_limit)
    throw ConfigError(located(origin, points.empty() ? "axes" : "points",
                              "more than " + std::to_string(kExploreMaxRows) +
                                  " rows (points x workloads), the limit even with --force (kExploreMaxRows)"));
  // An axis must name an architecture parameter the architecture file knows.
  std::string arch_origin;
  const nlohmann::json base = architecture_json(arch_path, &arch_origin);
  for (const ExploreAxis& a : axes) {
    if (is_voltage_axis(a.name)) {
      for (const nlohmann::json& v : a.values)
        if (!v.is_number()) throw ConfigError(located(origin, "axes." + a.name, "voltages must be numbers"));
      continue;
    }
    if (is_weight_bits_axis(a.name)) {
      for (const nlohmann::json& v : a.values)
        if (!v.is_number_integer() || v.get<int64_t>() < 2 || v.get<int64_t>() > 8)
          throw ConfigError(located(origin, "axes.weight_bits", "weight widths are integers 2..8, got " + v.dump()));
      continue;
    }
    const nlohmann::json j = point_architecture(base, {{a.name, a.values.front()}});
    try {
      architecture_from_json(j, arch_origin);
    } catch (const UserError& e) {
      if (std::string(e.what()).find("unknown key") != std::string::npos)
        throw ConfigError(located(origin, "axes." + a.name, "not a parameter of the architecture file"));
    }
  }
  if (accuracy &&
      std::none_of(workloads.begin(), workloads.end(), [](const ExploreWorkload& w) { return !w.topology; }))
    throw ConfigError(located(origin, "accuracy", "needs a network workload (topologies have no weights)"));
}

namespace {

/// The dataflow column: the array's, or for a mapped workload how many layers the mapper gave each
/// dataflow ("mapped: weight_stationary 3 / input_stationary 2").
Json dataflow_column(const PointResult& p, const WorkloadResult* w) {
  if (!p.feasible) return Json();
  if (!w || !w->mapped) return dataflow_name(p.arch.dataflow);
  std::string s = "mapped:";
  for (Dataflow d : p.arch.supported_dataflows) {
    const auto n = std::count(w->layer_dataflows.begin(), w->layer_dataflows.end(), d);
    if (n) s += std::string(s.back() == ':' ? " " : " / ") + dataflow_name(d) + " " + std::to_string(n);
  }
  return s;
}

Json point_row(const PointResult& p, size_t index, const std::string& workload, const WorkloadResult* w,
               const std::vector<ExploreAxis>& axes) {
  Json row;
  row["point"] = index;
  row["workload"] = workload;
  for (const ExploreAxis& a : axes) row[a.name] = p.params.contains(a.name) ? Json(p.params[a.name]) : Json();
  const bool ok = p.feasible && w && w->feasible;
  row["feasible"] = ok;
  row["reason"] = ok ? std::string() : (p.feasible ? w->reason : p.reason);
  row["array_rows"] = p.feasible ? Json(p.arch.rows) : Json();
  row["array_cols"] = p.feasible ? Json(p.arch.cols) : Json();
  row["dataflow"] = dataflow_column(p, w);
  row["weight_sram_bytes"] = p.feasible ? Json(energy_hardware(p.arch).weight_sram_bytes) : Json();
  row["clock_hz_used"] = p.feasible ? Json(p.op.clock_hz) : Json();
  row["v_sram_v_used"] = p.feasible ? Json(p.op.v_sram_v) : Json();
  row["v_logic_v_used"] = p.feasible ? Json(p.op.v_logic_v) : Json();
  for (const char* m : kExploreMetricColumns) row[m] = Json();
  row["energy_breakdown_pj"] = Json();
  row["pareto_energy_latency"] = false;
  if (!ok) return row;
  const double latency = double(w->cycles) / p.op.clock_hz;
  const double energy = w->energy.total_pj();
  row["cycles_per_inference"] = w->cycles;
  row["stall_cycles_per_inference"] = w->stall_cycles;
  row["latency_s"] = latency;
  row["throughput_inferences_per_s"] = 1.0 / latency;
  row["utilization"] = double(w->macs) / (double(w->cycles) * double(p.arch.pes()));
  row["macs_per_inference"] = w->macs;
  row["weight_bytes"] = w->weight_bytes;
  row["dram_bytes_per_inference"] = w->counts.dram_bytes;
  row["energy_per_inference_pj"] = energy;
  row["edp_pj_s"] = energy * latency;
  row["energy_breakdown_pj"] = w->energy.to_json();
  return row;
}

/// Marks, per workload, the feasible rows no other row beats in both energy and latency.
void mark_pareto(std::vector<Json>& rows) {
  for (Json& a : rows) {
    if (!a["feasible"].get<bool>()) continue;
    const double ea = a["energy_per_inference_pj"].get<double>(), la = a["latency_s"].get<double>();
    bool dominated = false;
    for (const Json& b : rows) {
      if (&a == &b || !b["feasible"].get<bool>() || b["workload"] != a["workload"]) continue;
      const double eb = b["energy_per_inference_pj"].get<double>(), lb = b["latency_s"].get<double>();
      if (eb <= ea && lb <= la && (eb < ea || lb < la)) {
        dominated = true;
        break;
      }
    }
    a["pareto_energy_latency"] = !dominated;
  }
}

std::string rows_csv(const std::vector<Json>& rows) {
  std::ostringstream out;
  if (rows.empty()) return "";
  std::vector<std::string> cols;
  for (const auto& [k, v] : rows[0].items())
    if (k != "energy_breakdown_pj") cols.push_back(k);
  const std::vector<std::string> parts = {"array_macs",      "pe_registers", "weight_sram", "buffers",
                                          "post_processing", "ecc",          "dram",        "leakage"};
  for (size_t i = 0; i < cols.size(); ++i) out << (i ? "," : "") << cols[i];
  for (const std::string& p : parts) out << ",energy_breakdown_" << p << "_pj";
  out << "\n";
  for (const Json& r : rows) {
    for (size_t i = 0; i < cols.size(); ++i) out << (i ? "," : "") << csv_cell(r[cols[i]]);
    for (const std::string& p : parts)
      out << ","
          << (r["energy_breakdown_pj"].is_object() && r["energy_breakdown_pj"].contains(p)
                  ? csv_cell(r["energy_breakdown_pj"][p])
                  : std::string());
    out << "\n";
  }
  return out.str();
}

/// True when some feasible point's architecture maps layers (the layers get a Dataflow column).
bool any_mapped(const std::vector<PointResult>& results) {
  return std::any_of(results.begin(), results.end(),
                     [](const PointResult& r) { return r.feasible && r.arch.maps_layers(); });
}

/// SCALE-Sim's COMPUTE_REPORT columns per layer, full precision, for every feasible point (with
/// each layer's dataflow when some point's array maps its layers).
std::string layers_csv(const std::vector<PointResult>& results, const std::vector<LoadedWorkload>& workloads) {
  std::ostringstream out;
  const bool mapped = any_mapped(results);
  out << "point,workload,LayerID,layer,Total Cycles,Stall Cycles,Overall Util %,Mapping Efficiency %,"
         "Compute Util %,SCALE-Sim Total Cycles"
      << (mapped ? ",Dataflow\n" : "\n");
  auto num = [](double x) { return nlohmann::json(x).dump(); };
  for (size_t p = 0; p < results.size(); ++p) {
    if (!results[p].feasible) continue;
    for (size_t w = 0; w < workloads.size(); ++w) {
      const WorkloadResult& r = results[p].workloads[w];
      if (!r.feasible) continue;
      for (size_t l = 0; l < r.layers.size(); ++l) {
        const LayerTiming& t = r.layers[l].second;
        out << p << "," << csv_cell(workloads[w].name) << "," << l << "," << csv_cell(r.layers[l].first) << ","
            << (t.array_cycles + t.stall_cycles) << "," << t.stall_cycles << "," << num(100.0 * t.utilization) << ","
            << num(100.0 * t.mapping_efficiency) << "," << num(100.0 * t.compute_utilization) << ","
            << t.scalesim_cycles;
        if (mapped) out << "," << dataflow_name(r.layer_dataflows[l]);
        out << "\n";
      }
    }
  }
  return out.str();
}

/// Runs f(i) for i in [0, n) on `threads` threads (each i once; results go to slot i).
template <class F>
void parallel_for(size_t n, int threads, F f) {
  std::atomic<size_t> next{0};
  run_on_threads(threads, [&](int) {
    for (size_t i = next++; i < n; i = next++) f(i);
  });
}

/// Evaluates the points: each distinct configuration (architecture and weight width) is timed once
/// (in parallel), then every point costs its configuration's counts at its voltages. Results in
/// point order whatever the schedule.
struct Evaluation {
  std::vector<nlohmann::json> archs;  // per distinct configuration: its architecture (JSON, axes applied)
  std::vector<int> weight_bits;       // per distinct configuration: the weight width (0: the workloads')
  std::vector<size_t> arch_of;        // per point: its configuration
  std::vector<PointResult> results;   // per point
};

Evaluation evaluate_all(const ExploreSpec& spec, const TechnologyParams& tech,
                        const std::vector<nlohmann::json>& points, const std::vector<LoadedWorkload>& workloads,
                        int threads) {
  std::string arch_origin;
  const nlohmann::json base = architecture_json(spec.arch_path, &arch_origin);
  std::map<std::string, size_t> index;  // architecture JSON text and weight width -> configuration
  Evaluation e;
  e.arch_of.resize(points.size());
  std::map<int, std::vector<LoadedWorkload>> by_bits;  // the workloads at each weight width
  for (size_t i = 0; i < points.size(); ++i) {
    nlohmann::json aj = point_architecture(base, points[i]);
    const int bits = point_weight_bits(points[i]);
    const auto [it, added] = index.emplace(aj.dump() + "|" + std::to_string(bits), e.archs.size());
    if (added) {
      e.archs.push_back(std::move(aj));
      e.weight_bits.push_back(bits);
    }
    e.arch_of[i] = it->second;
    if (!by_bits.count(bits)) {
      std::vector<LoadedWorkload>& v = by_bits[bits];
      for (const LoadedWorkload& w : workloads) v.push_back(at_weight_bits(w, bits));
    }
  }
  std::vector<TimedArchitecture> timed(e.archs.size());
  parallel_for(e.archs.size(), threads, [&](size_t a) {
    timed[a] = time_architecture(e.archs[a], arch_origin, by_bits.at(e.weight_bits[a]), tech);
  });
  e.results.resize(points.size());
  parallel_for(points.size(), threads,
               [&](size_t i) { e.results[i] = cost_point(timed[e.arch_of[i]], tech, points[i]); });
  return e;
}

/// One accuracy study per distinct architecture: the network workloads that fit it, over the
/// V_sram values of its feasible points.
std::vector<AccuracyStudyRequest> accuracy_requests(const Evaluation& e, const ExploreSpec& spec) {
  std::vector<AccuracyStudyRequest> req(e.archs.size());
  std::vector<std::set<double>> volts(e.archs.size());
  std::vector<std::set<size_t>> nets(e.archs.size());
  for (size_t p = 0; p < e.results.size(); ++p) {
    const PointResult& r = e.results[p];
    if (!r.feasible) continue;
    const size_t a = e.arch_of[p];
    volts[a].insert(r.op.v_sram_v);
    for (size_t w = 0; w < spec.workloads.size(); ++w)
      if (!spec.workloads[w].topology && r.workloads[w].feasible) nets[a].insert(w);
  }
  for (size_t a = 0; a < req.size(); ++a) {
    req[a].arch = e.archs[a];
    req[a].v_sram_v.assign(volts[a].begin(), volts[a].end());
    for (size_t w : nets[a])
      req[a].networks.push_back({spec.workloads[w].name, spec.workloads[w].path, e.weight_bits[a]});
  }
  return req;
}

const std::vector<std::string> kAccuracyColumns = {"accuracy_clean", "accuracy_mean",     "accuracy_min",
                                                   "accuracy_max",   "accuracy_ci95_low", "accuracy_ci95_high",
                                                   "chips"};

/// The accuracy columns of a row (null where the workload has no accuracy at this point).
void add_accuracy(Json& row, const nlohmann::json* summary_point) {
  for (const std::string& c : kAccuracyColumns) row[c] = summary_point ? Json(summary_point->at(c)) : Json();
  row["pareto_energy_accuracy"] = false;
}

/// Marks, per workload, the rows with accuracy that no other row beats in both energy and mean
/// accuracy.
void mark_pareto_accuracy(std::vector<Json>& rows) {
  auto has = [](const Json& r) { return r["feasible"].get<bool>() && !r["accuracy_mean"].is_null(); };
  for (Json& a : rows) {
    if (!has(a)) continue;
    const double ea = a["energy_per_inference_pj"].get<double>(), qa = a["accuracy_mean"].get<double>();
    bool dominated = false;
    for (const Json& b : rows) {
      if (&a == &b || !has(b) || b["workload"] != a["workload"]) continue;
      const double eb = b["energy_per_inference_pj"].get<double>(), qb = b["accuracy_mean"].get<double>();
      if (eb <= ea && qb >= qa && (eb < ea || qb > qa)) {
        dominated = true;
        break;
      }
    }
    a["pareto_energy_accuracy"] = !dominated;
  }
}

/// The files an exploration writes into --out, committed as one set.
StudyOutputSet explore_output_set(const std::string& dir) {
  return StudyOutputSet(dir, "explore", {"points.json", "points.csv", "layers.csv", "report.html"});
}

/// points.json / points.csv / layers.csv / report.html, committed as one set; returns the text of
/// points.json.
std::string write_explore_outputs(const ExploreSpec& spec, const TechnologyParams& tech, const std::vector<Json>& rows,
                                  const std::vector<PointResult>& results, const std::vector<LoadedWorkload>& workloads,
                                  const std::string& out_dir) {
  Json axes = Json::array();
  for (const ExploreAxis& a : spec.axes) axes.push_back({{"name", a.name}, {"values", a.values}});
  Json doc = {{"format", "lvsim-exploration-points"},
              {"version", 1},
              {"architecture", spec.arch_path.empty() ? "built-in edge-16x16" : spec.arch_path},
              {"technology", spec.tech_path.empty() ? "built-in 45nm" : spec.tech_path},
              {"energy_unit", tech.energy_unit},
              {"axes", axes},
              {"workloads", Json::array()},
              {"points", rows}};
  for (const ExploreWorkload& w : spec.workloads)
    doc["workloads"].push_back({{"name", w.name}, {"file", w.path}, {"kind", w.topology ? "topology" : "network"}});
  const std::string json_text = doc.dump(1) + "\n";
  explore_output_set(out_dir).commit({{"points.json", json_text},
                                      {"points.csv", rows_csv(rows)},
                                      {"layers.csv", layers_csv(results, workloads)},
                                      {"report.html", explore_report_html(nlohmann::json::parse(json_text))}});
  return json_text;
}

}  // namespace

ExploreOutcome run_explore(const ExploreSpec& spec, const StudyExecution& exec) {
  const std::unique_ptr<StudyComm> comm = make_study_comm();
  return run_explore(spec, exec, *comm);
}

ExploreOutcome run_explore(const ExploreSpec& spec, const StudyExecution& exec, StudyComm& comm) {
  const auto t0 = std::chrono::steady_clock::now();
  if (exec.out_dir.empty()) throw ConfigError("command line: --out: an output directory is required");
  std::vector<LoadedWorkload> workloads;
  for (const ExploreWorkload& w : spec.workloads) workloads.push_back(load_workload(w.name, w.path, w.topology));
  const std::vector<nlohmann::json> points = spec.design_points();
  // The folder is created when the outputs are written (the accuracy studies create theirs after
  // checking their inputs), so bad input leaves nothing behind; every output location (and the
  // kind of study a folder already holds) is checked now, before the work.
  explore_output_set(exec.out_dir).check();

  const TechnologyParams tech = load_technology(spec.tech_path);
  const int threads = resolve_threads(exec.threads);
  if (exec.on_progress) exec.on_progress(0, int64_t(points.size()));
  const Evaluation e = evaluate_all(spec, tech, points, workloads, threads);
  AccuracyResults accuracy;
  if (spec.accuracy)
    accuracy =
        run_explore_accuracy(*spec.accuracy, accuracy_requests(e, spec), spec.tech_path, exec.out_dir, threads, comm);
  ExploreOutcome out;
  out.points = int64_t(points.size());
  if (comm.rank() != 0) return out;
  std::vector<Json> rows;
  for (size_t p = 0; p < e.results.size(); ++p) {
    const PointResult& r = e.results[p];
    out.feasible += r.feasible;
    for (size_t w = 0; w < workloads.size(); ++w) {
      rows.push_back(point_row(r, p, workloads[w].name, r.feasible ? &r.workloads[w] : nullptr, spec.axes));
      if (!spec.accuracy) continue;
      const auto it = r.feasible ? accuracy.find({e.arch_of[p], workloads[w].name, r.op.v_sram_v}) : accuracy.end();
      add_accuracy(rows.back(), it == accuracy.end() ? nullptr : &it->second);
    }
  }
  mark_pareto(rows);
  if (spec.accuracy) mark_pareto_accuracy(rows);
  out.rows = int64_t(rows.size());
  out.points_json = write_explore_outputs(spec, tech, rows, e.results, workloads, exec.out_dir);
  if (exec.on_progress) exec.on_progress(int64_t(points.size()), int64_t(points.size()));
  out.wall_time_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

namespace {

/// A preset file named in an exploration ("architecture", "technology"): absent means the
/// built-in preset; an empty name is refused rather than read as "built-in".
std::string preset_file_name(JsonObject& o, const std::string& key) {
  if (!o.has(key)) return "";
  const std::string name = o.get_string(key);
  if (name.empty()) o.fail(key, "empty file name (leave the key out for the built-in preset)");
  return name;
}

}  // namespace

ExploreSpec read_exploration_file(const std::string& path) {
  return exploration_from_text(read_input_file(path, kMaxConfigFileBytes), path);
}

ExploreSpec exploration_from_text(const std::string& text, const std::string& path) {
  const nlohmann::json j = parse_json_text(text, path);
  JsonObject o(j, path, "");
  const std::string format = o.get_string("format");
  if (format != "lvsim-exploration") o.fail("format", "expected \"lvsim-exploration\", got \"" + format + "\"");
  o.get_int("version", 1, 1);
  auto resolve = [&](const std::string& p) { return path_relative_to_file(p, path); };
  ExploreSpec s;
  s.arch_path = resolve(preset_file_name(o, "architecture"));
  s.tech_path = resolve(preset_file_name(o, "technology"));
  const nlohmann::json& ws = o.at("workloads");
  if (!ws.is_array() || ws.empty()) o.fail("workloads", "must be a non-empty array");
  for (size_t i = 0; i < ws.size(); ++i) {
    JsonObject w(ws[i], path, "workloads[" + std::to_string(i) + "]");
    ExploreWorkload wl;
    const bool net = w.has("network"), topo = w.has("topology");
    if (net == topo) w.fail("", "give exactly one of network or topology");
    wl.topology = topo;
    wl.path = resolve(w.get_string(topo ? "topology" : "network"));
    wl.name = w.get_string("name", fs::path(wl.path).stem().string());
    w.finish();
    s.workloads.push_back(wl);
  }
  if (o.has("axes")) {
    const nlohmann::json& ax = o.at("axes");
    if (!ax.is_object()) o.fail("axes", "must be an object {parameter: [values]}");
    for (const auto& [k, v] : ax.items()) {
      if (!v.is_array()) o.fail("axes." + k, "must be an array of values");
      s.axes.push_back({k, std::vector<nlohmann::json>(v.begin(), v.end())});
    }
    // The grid varies the last axis fastest: keep the file's order of the axes (the strict reader
    // above sorts object keys), read once more as an order-preserving document.
    const nlohmann::ordered_json ordered = nlohmann::ordered_json::parse(text, nullptr, false);
    if (!ordered.is_discarded() && ordered.contains("axes")) {
      std::vector<std::string> order;
      for (const auto& [k, v] : ordered["axes"].items()) order.push_back(k);
      std::stable_sort(s.axes.begin(), s.axes.end(), [&](const ExploreAxis& a, const ExploreAxis& b) {
        return std::find(order.begin(), order.end(), a.name) < std::find(order.begin(), order.end(), b.name);
      });
    }
  }
  if (o.has("points")) {
    if (o.has("axes")) o.fail("points", "give either axes (a grid) or points (a list), not both");
    const nlohmann::json& pts = o.at("points");
    if (!pts.is_array() || pts.empty()) o.fail("points", "must be a non-empty array of {parameter: value}");
    std::set<std::string> seen_points;
    for (size_t i = 0; i < pts.size(); ++i) {
      const nlohmann::json& p = pts[i];
      const std::string field = "points[" + std::to_string(i) + "]";
      if (!p.is_object()) o.fail("points", "each point must be an object {parameter: value}");
      for (const auto& [k, v] : p.items()) check_axis_name(k, path, field);
      if (!seen_points.insert(p.dump()).second) o.fail(field, "the same point is given twice");
      s.points.push_back(p);
      for (const auto& [k, v] : p.items()) {
        auto it =
            std::find_if(s.axes.begin(), s.axes.end(), [&key = k](const ExploreAxis& a) { return a.name == key; });
        if (it == s.axes.end())
          s.axes.push_back({k, {v}});
        else if (std::find(it->values.begin(), it->values.end(), v) == it->values.end())
          it->values.push_back(v);
      }
    }
  }
  if (s.axes.empty()) o.fail("axes", "no axis and no points: nothing to explore");
  s.force = o.get_bool("force", false);
  if (o.has("accuracy")) s.accuracy = ExploreAccuracySpec::from_json(o.at("accuracy"), path);
  o.finish();
  return s;
}

}  // namespace lvsim
