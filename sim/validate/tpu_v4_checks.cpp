// TPU v4 silicon (validation/tpu-v4/README.md): how well lvsim's cycles predict measured GEMM
// times, next to SCALE-Sim's cycles for the same GEMMs: R^2 of a linear fit of time on cycles.
#include <fmt/format.h>

#include "models/mapper.h"
#include "sim/cli/presets.h"
#include "sim/validate/csv_table.h"
#include "sim/validate/linear_fit.h"
#include "sim/validate/validation_check.h"
#include "workloads/network/topology.h"

namespace lvsim {

namespace {

/// lvsim's cycles of GEMM (M, N, K) on `arch`: the mapper's choice among its supported dataflows.
int64_t gemm_cycles_with_mapper(const ArchitectureParams& arch, int64_t m, int64_t n, int64_t k,
                                const std::string& origin) {
  const TopologyLayer L{"gemm", m, k, 1, k, 1, n, 1};  // SCALE-Sim's GEMM row: ifmap M x K, 1 x K filter, N filters
  const Network net = topology_layer_network(L, origin);
  return choose_dataflow_with_cycles(arch, net, 0, MappingObjective::Cycles).cycles;
}

}  // namespace

std::vector<ValidationCheck> tpu_v4_checks(const ValidationPaths& p) {
  ArchitectureParams arch = load_architecture(p.source_dir + "/presets/arch/tpu-v4-128x128.json");
  arch.supported_dataflows = {Dataflow::WeightStationary, Dataflow::InputStationary};  // operand orientation
  std::vector<ValidationCheck> out;
  for (const char* set : {"128", "1024", "4096"}) {
    const std::string file = p.data_dir + "/tpu-v4/fusion_statistics_report_with_scale_sim_" + set + ".csv";
    const CsvTable t = CsvTable::read(file);
    std::vector<double> time_us, lvsim_cycles, scalesim_cycles;
    for (size_t r = 0; r < t.rows(); ++r) {
      time_us.push_back(t.number(r, "fusion_avg"));
      scalesim_cycles.push_back(t.number(r, "scale_sim_cycles"));
      lvsim_cycles.push_back(double(gemm_cycles_with_mapper(
          arch, int64_t(t.number(r, "dim_m")), int64_t(t.number(r, "dim_n")), int64_t(t.number(r, "dim_k")), file)));
    }
    const double r2_scalesim = linear_fit_r_squared(scalesim_cycles, time_us);
    const double r2_lvsim = linear_fit_r_squared(lvsim_cycles, time_us);
    const double diff = r2_lvsim - r2_scalesim;
    out.push_back({"tpu-v4",
                   fmt::format("GEMMs ({} rows, set {}): R2 of time on cycles (exp: SCALE-Sim)", t.rows(), set),
                   r2_scalesim, r2_lvsim, diff, "R2 diff", ">= -0.01", diff >= -0.01});
  }
  return out;
}

}  // namespace lvsim
