// SCALE-Sim references (docs/validation.md): v2's cycle convention, computed here from its
// published formula, and v3's regression goldens (validation/scale-sim-v3/README.md).
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

#include "models/timing_model.h"
#include "sim/validate/csv_table.h"
#include "sim/validate/validation_check.h"
#include "workloads/network/topology.h"

namespace lvsim {
namespace {

const Dataflow kDataflows[] = {Dataflow::WeightStationary, Dataflow::OutputStationary, Dataflow::InputStationary};

const char* short_name(Dataflow d) {
  return d == Dataflow::WeightStationary ? "WS" : d == Dataflow::OutputStationary ? "OS" : "IS";
}

ArchitectureParams square_array(int n, Dataflow d) {
  ArchitectureParams a;
  a.name = fmt::format("{}x{}", n, n);
  a.rows = a.cols = n;
  a.dataflow = d;
  a.weight_sram.banks = 64;
  a.weight_sram.rows_per_bank = 1 << 20;
  a.input_buffer_bytes = a.output_buffer_bytes = int64_t(1) << 30;
  return a;
}

int64_t ceil_div(int64_t a, int64_t b) {
  return (a + b - 1) / b;
}

// SCALE-Sim v2's reported cycles of one layer (its convention, written out independently of
// models/dataflow.cpp): Npix output pixels, Wsz = filter area x channels, K filters; WS rows Wsz,
// cols K, T Npix; OS rows Npix, cols K, T Wsz; IS rows Wsz, cols Npix, T K; folds x per-fold - 1.
int64_t scalesim_v2_cycles(const TopologyLayer& L, Dataflow d, int R, int C, int64_t* folds = nullptr) {
  const int64_t npix = L.out_h() * L.out_w(), wsz = L.filter_h * L.filter_w * L.channels, k = L.num_filters;
  const int64_t rows = d == Dataflow::OutputStationary ? npix : wsz;
  const int64_t cols = d == Dataflow::InputStationary ? npix : k;
  const int64_t t = d == Dataflow::WeightStationary ? npix : d == Dataflow::OutputStationary ? wsz : k;
  const int64_t f = ceil_div(rows, R) * ceil_div(cols, C);
  if (folds) *folds = f;
  const int64_t per_fold = d == Dataflow::OutputStationary ? R + C + t - 2 : 2 * R + C + t - 2;
  return f * per_fold - 1;
}

// lvsim's array cycles in SCALE-Sim's convention: lvsim pays 2R + C + T - 2 per fold in every
// dataflow (OS drains its R rows after computing) and counts cycles, not the last cycle's index.
int64_t lvsim_in_scalesim_convention(const LayerTiming& t, Dataflow d, int R) {
  return t.array_cycles - 1 - (d == Dataflow::OutputStationary ? t.folds * R : 0);
}

LayerTiming time_row(const TopologyLayer& L, const ArchitectureParams& a, const std::string& file) {
  return layer_timing(a, topology_layer_network(L, file), 0);
}

ValidationCheck exact_cycles(const std::string& ref, const std::string& what, int64_t expected, int64_t simulated) {
  return {ref,      what,   double(expected),     double(simulated), double(simulated - expected),
          "cycles", "== 0", simulated == expected};
}

}  // namespace

std::vector<ValidationCheck> scalesim_v2_checks(const ValidationPaths& p) {
  std::vector<ValidationCheck> out;
  for (const char* net : {"alexnet", "resnet18"}) {
    const std::string file = p.source_dir + "/workloads/topologies/" + net + ".csv";
    const Topology topo = read_topology_csv(file);
    for (Dataflow d : kDataflows) {
      const ArchitectureParams a = square_array(32, d);
      int64_t expected = 0, simulated = 0, worst = 0;
      for (const TopologyLayer& L : topo.layers) {
        const int64_t e = scalesim_v2_cycles(L, d, a.rows, a.cols);
        const int64_t s = lvsim_in_scalesim_convention(time_row(L, a, file), d, a.rows);
        expected += e, simulated += s;
        worst = std::max(worst, std::abs(s - e));
      }
      out.push_back(
          {"scale-sim-v2",
           fmt::format("{} ({} layers) 32x32 {}: cycles, max layer diff", net, topo.layers.size(), short_name(d)),
           double(expected), double(simulated), double(worst), "cycles", "== 0", worst == 0});
    }
  }
  return out;
}

std::vector<ValidationCheck> scalesim_v3_checks(const ValidationPaths& p) {
  std::vector<ValidationCheck> out;
  const std::string dir = p.data_dir + "/scale-sim-v3/";
  {  // golden_trace_calc: AlexNet conv1 (alexnet_part.csv), WS, computed bandwidth: no stalls
    const CsvTable golden = CsvTable::read(dir + "golden_trace_calc_COMPUTE_REPORT.csv");
    const std::string file = dir + "alexnet_part.csv";
    const TopologyLayer L = read_topology_csv(file).layers.at(0);
    const ArchitectureParams a = square_array(32, Dataflow::WeightStationary);
    const LayerTiming t = time_row(L, a, file);
    out.push_back(exact_cycles("scale-sim-v3", "AlexNet conv1 32x32 WS: Total Cycles",
                               int64_t(golden.number(0, "Total Cycles")),
                               lvsim_in_scalesim_convention(t, a.dataflow, a.rows)));
    const double eff = golden.number(0, "Mapping Efficiency %"), sim = 100 * t.mapping_efficiency;
    out.push_back({"scale-sim-v3", "AlexNet conv1 32x32 WS: mapping efficiency %", eff, sim, sim - eff, "points",
                   "|e| <= 0.01", std::abs(sim - eff) <= 0.01});
  }
  const std::string gemm_file = dir + "test_mnk_input.csv";
  const TopologyLayer gemm = read_topology_csv(gemm_file).layers.at(0);
  const struct {
    const char* trace;
    Dataflow d;
  } runs[] = {{"user_ws", Dataflow::WeightStationary},
              {"user_os", Dataflow::OutputStationary},
              {"user_is", Dataflow::InputStationary}};
  for (const auto& r : runs) {  // USER bandwidth (10 words/cycle): SCALE-Sim's stalls, not modeled
    const CsvTable golden = CsvTable::read(dir + "golden_trace_" + r.trace + "_COMPUTE_REPORT.csv");
    const int64_t total = int64_t(golden.number(0, "Total Cycles")), stall = int64_t(golden.number(0, "Stall Cycles"));
    const ArchitectureParams a = square_array(32, r.d);
    out.push_back(
        exact_cycles("scale-sim-v3",
                     fmt::format("GEMM 256x128x256 32x32 {}: Total - Stall ({} - {})", short_name(r.d), total, stall),
                     total - stall, lvsim_in_scalesim_convention(time_row(gemm, a, gemm_file), r.d, a.rows)));
  }
  return out;
}

}  // namespace lvsim
