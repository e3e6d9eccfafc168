// Cost of re-costing a run's action counts at one operating point (a voltage sweep re-costs the
// same counts at every point, so this bounds the energy model's share of a sweep).
#include <benchmark/benchmark.h>

#include <string>

#include "energy/energy_model.h"

namespace {

void BM_CostAtOperatingPoint(benchmark::State& state) {
  using namespace lvsim;
  auto tech = TechnologyParams::from_json_file(std::string(LVSIM_SOURCE_DIR) + "/presets/tech/45nm.json");
  EnergyHardware hw{16, 16, 16 * 9216, 16, 9216, 64, 8, 65536, 65536};
  EnergyModel model(tech, hw);
  ActionCounts c;
  c.macs_by_weight_bits[8] = 11470000;
  c.weight_sram_reads = 90000;
  c.ecc_decodes = 90000;
  c.pe_register_bits_written = 22940000;
  c.pe_hops = 22940000;
  c.cycles = 89608;
  double v = 0.5;
  for (auto _ : state) {
    auto op = make_operating_point(tech, v, 0.9, ClockMode::kFixed, 1e9);
    benchmark::DoNotOptimize(model.cost(c, op, 1));
    v = v < 0.89 ? v + 0.01 : 0.5;
  }
}
BENCHMARK(BM_CostAtOperatingPoint);

}  // namespace

BENCHMARK_MAIN();
