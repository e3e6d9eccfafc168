// Generating a chip's fault map for a 1 M-weight 8-bit network (8 Mbit: 16 banks x 8192 rows x 64
// bits) and applying it at 20 voltages: the cost must stay far below one inference pass over a
// test set (~0.5 s). Each iteration builds a fresh chip (new seed) and produces the per-word masks
// WeightMemory::set_faults takes, at every voltage.
#include <benchmark/benchmark.h>

#include <vector>

#include "memory/chip_fault_model.h"
#include "memory/rate_fault_model.h"

using namespace lvsim;

namespace {

const FaultGeometry kGeom{16, 8192, 64, 0};

std::vector<double> grid(double lo, double hi, int n) {
  std::vector<double> v;
  for (int i = 0; i < n; ++i) v.push_back(hi - (hi - lo) * i / (n - 1));
  return v;
}

void run_chip(benchmark::State& state, const BitcellFailureParams& params, const std::vector<double>& volts) {
  uint64_t seed = 1;
  int64_t words = 0;
  for (auto _ : state) {
    ChipFaultModel chip(params, kGeom, seed++);
    for (double v : volts) {
      auto faults = chip.word_faults(v);
      words += int64_t(faults.size());
      benchmark::DoNotOptimize(faults.data());
    }
  }
  state.counters["faulty_words_per_voltage"] = double(words) / double(state.iterations()) / double(volts.size());
}

// 45 nm DPCS-like model: failure voltage ~ Normal(0.10, 0.14); 0.50..0.90 V, p 5e-9..2e-3.
void BM_Chip45nmNormal20Voltages(benchmark::State& state) {
  BitcellFailureParams p;
  p.model = "normal";
  p.mean_v = 0.10;
  p.sigma_v = 0.14;
  p.cell_types = {0.25, 0.25, 0.5};
  run_chip(state, p, grid(0.50, 0.90, 20));
}

// 14 nm profiled curve (V / Vmin), 0.80..1.00: p up to ~7.5% (~630 k failing cells at the bottom).
void BM_Chip14nmCurve20Voltages(benchmark::State& state) {
  BitcellFailureParams p;
  p.model = "ber_curve";
  p.points = {{0.76, 0.20}, {0.80, 0.075}, {0.82, 0.025}, {0.835, 0.01}, {0.88, 1e-3}, {0.96, 2e-6}, {1.00, 0.0}};
  run_chip(state, p, grid(0.80, 1.00, 20));
}

// RandBET-style uniform bit errors at the CIFAR-10 p grid of the seed work (13 rates, up to 2.5%).
void BM_RandomBitErrors13Rates(benchmark::State& state) {
  const std::vector<double> rates{5e-5, 1e-4,   2.5e-4, 5e-4,   7.5e-4, 1e-3,  2.5e-3,
                                  5e-3, 7.5e-3, 1e-2,   1.5e-2, 2e-2,   2.5e-2};
  uint64_t seed = 1;
  for (auto _ : state) {
    RateFaultModel m({}, kGeom, seed++);
    for (double p : rates) benchmark::DoNotOptimize(m.word_faults(p).data());
  }
}

}  // namespace

BENCHMARK(BM_Chip45nmNormal20Voltages)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Chip14nmCurve20Voltages)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RandomBitErrors13Rates)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
