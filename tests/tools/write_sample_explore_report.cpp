// Writes the report (report.html) of a fixed, synthetic architecture exploration, for the
// headless-browser render test (tests/cli/report_render.sh) and for looking at the page by hand.
// 4 array shapes x 4 x 2 dataflows x 4 voltages x 3 clocks = 384 design points x 3 workloads:
// 1,152 rows, some infeasible, one workload name with HTML in it.
// Usage: write_sample_explore_report OUT.html
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/report/explore_columns.h"
#include "sim/report/explore_report_html.h"

using nlohmann::json;

namespace {

/// A made-up workload: its MACs and weight bytes, and how well it fills an array.
struct SampleWorkload {
  std::string name, file, kind;
  double macs;
  double weight_bytes;
  double rows_fit, cols_fit;  // how far its layers fill an array: utilization halves at this size
};

/// Energy per inference by component: larger arrays finish sooner but clock more idle PEs (the
/// PE register term grows with cycles x PEs), which is what makes a Pareto front.
json breakdown(const SampleWorkload& w, int rows, int cols, bool ws, double v_sram, double v_logic, double cycles,
               double latency) {
  double sl = (v_logic / 0.9) * (v_logic / 0.9), ss = (v_sram / 0.9) * (v_sram / 0.9);
  double sram_reads = ws ? w.weight_bytes * 1.2 : w.weight_bytes * (1 + 64.0 / cols);
  return {{"array_macs", 0.2 * w.macs * sl},
          {"pe_registers", (ws ? 0.04 : 0.025) * cycles * rows * cols * sl},
          {"weight_sram", 1.1 * sram_reads * ss},
          {"buffers", (ws ? 0.05 : 0.08) * w.macs * sl},
          {"post_processing", 0.01 * w.macs * sl},
          {"ecc", 0.0},
          {"dram", 0.0},
          {"leakage", 5e7 * rows * cols * latency * (0.3 + 0.7 * ss)}};
}

json row(size_t point, const SampleWorkload& w, int rows, int cols, const std::string& flow, double v, double clock) {
  json r = {{"point", point},         {"workload", w.name}, {"array.rows", rows}, {"array.cols", cols},
            {"array.dataflow", flow}, {"v_sram_v", v},      {"clock_hz", clock},  {"pareto_energy_latency", false}};
  for (const char* m : lvsim::kExploreMetricColumns) r[m] = nullptr;
  r["energy_breakdown_pj"] = nullptr;
  // The SRAM cannot run fast at a low supply: such points are infeasible whatever the workload.
  double f_max = v >= 0.85 ? 1e9 : v >= 0.75 ? 5e8 : 2.5e8;
  bool point_ok = clock <= f_max;
  int sram_bytes = std::max(128 * 1024, rows * cols * 512);
  r["array_rows"] = point_ok ? json(rows) : json();
  r["array_cols"] = point_ok ? json(cols) : json();
  r["dataflow"] = point_ok ? json(flow) : json();
  r["weight_sram_bytes"] = point_ok ? json(sram_bytes) : json();
  r["clock_hz_used"] = point_ok ? json(clock) : json();  // the derived column; "clock_hz" is the axis
  r["v_sram_v_used"] = point_ok ? json(v) : json();
  r["v_logic_v_used"] = point_ok ? json(0.9) : json();
  if (!point_ok) {
    r["feasible"] = false;
    r["reason"] = fmt::format("timing: the weight SRAM at {} V runs at {} MHz at most", v, f_max / 1e6);
    return r;
  }
  if (w.weight_bytes > sram_bytes) {  // this workload's weights do not fit the SRAM
    r["feasible"] = false;
    r["reason"] = fmt::format("weights ({:.0f} KiB) exceed the weight SRAM ({} KiB) & no DRAM is configured",
                              w.weight_bytes / 1024, sram_bytes / 1024);
    return r;
  }
  bool ws = flow == "weight_stationary";
  double util = (ws ? 0.95 : 0.8) / ((1 + rows / w.rows_fit) * (1 + cols / w.cols_fit));
  double cycles = std::ceil(w.macs / (rows * cols * util) + rows + cols);
  double latency = cycles / clock;
  json b = breakdown(w, rows, cols, ws, v, 0.9, cycles, latency);
  double e = 0;
  for (const auto& [k, x] : b.items()) e += x.get<double>();
  r["feasible"] = true;
  r["reason"] = "";
  r["cycles_per_inference"] = cycles;
  r["stall_cycles_per_inference"] = 0;  // the sample's weights never wait for the SRAM
  r["latency_s"] = latency;
  r["throughput_inferences_per_s"] = 1 / latency;
  r["utilization"] = w.macs / (cycles * rows * cols);
  r["macs_per_inference"] = w.macs;
  r["weight_bytes"] = w.weight_bytes;
  r["dram_bytes_per_inference"] = 0;
  r["energy_per_inference_pj"] = e;
  r["edp_pj_s"] = e * latency;
  r["energy_breakdown_pj"] = b;
  return r;
}

/// As lvsim explore marks it: per workload, the feasible rows no other row beats in both.
void mark_pareto(json& rows) {
  for (json& a : rows) {
    if (!a["feasible"].get<bool>()) continue;
    bool dominated = false;
    for (const json& b : rows) {
      if (!b["feasible"].get<bool>() || b["workload"] != a["workload"] || &a == &b) continue;
      double ea = a["energy_per_inference_pj"], la = a["latency_s"];
      double eb = b["energy_per_inference_pj"], lb = b["latency_s"];
      if (eb <= ea && lb <= la && (eb < ea || lb < la)) dominated = true;
    }
    a["pareto_energy_latency"] = !dominated;
  }
}

json sample_exploration() {
  std::vector<SampleWorkload> workloads = {
      {"fmnist-cnn", "workloads/networks/fmnist-cnn.json", "network", 11.47e6, 100e3, 24, 32},
      {"resnet18 <b>&amp; </script><!--", "topologies/resnet18.csv", "topology", 1.8e9, 11.2e6 / 16, 64, 64},
      {"fmnist-mlp", "workloads/networks/fmnist-mlp.json", "network", 0.27e6, 60e3, 16, 16}};
  std::vector<int> shapes = {8, 16, 32, 64};
  std::vector<std::string> flows = {"weight_stationary", "output_stationary"};
  std::vector<double> volts = {0.9, 0.8, 0.7, 0.6}, clocks = {2.5e8, 5e8, 1e9};
  json rows = json::array();
  size_t point = 0;
  for (int r : shapes)
    for (int c : shapes)
      for (const std::string& f : flows)
        for (double v : volts)
          for (double clock : clocks) {
            for (const SampleWorkload& w : workloads) rows.push_back(row(point, w, r, c, f, v, clock));
            ++point;
          }
  mark_pareto(rows);
  json wl = json::array();
  for (const SampleWorkload& w : workloads) wl.push_back({{"name", w.name}, {"file", w.file}, {"kind", w.kind}});
  return {{"format", "lvsim-exploration-points"},
          {"version", 1},
          {"architecture", "presets/arch/edge-16x16.json"},
          {"technology", "built-in 45nm"},
          {"energy_unit", "pJ"},
          {"axes",
           {{{"name", "array.rows"}, {"values", shapes}},
            {{"name", "array.cols"}, {"values", shapes}},
            {{"name", "array.dataflow"}, {"values", flows}},
            {{"name", "v_sram_v"}, {"values", volts}},
            {{"name", "clock_hz"}, {"values", clocks}}}},
          {"workloads", wl},
          {"points", rows}};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT.html\n", argv[0]);
    return 2;
  }
  try {
    std::ofstream out(argv[1], std::ios::binary);
    out << lvsim::explore_report_html(sample_exploration());
    if (!out.flush()) {
      std::fprintf(stderr, "%s: cannot write\n", argv[1]);
      return 1;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
