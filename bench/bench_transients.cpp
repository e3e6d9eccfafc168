// Transient read errors in the batched fast path: predictions of the shipped CNN on the 10,000
// Fashion-MNIST test images without transients (run_functional) and with them at 1e-4 and 1e-3
// per bit (run_with_transients: one engine, each image's changed weights applied inside the
// batched GEMMs), 1 and 2 threads, and the per-image path it replaced (500 images). Before timing, it checks on the
// first 300 images that the batched result equals the per-image path (every weight re-read and a new engine per image)
// and the golden engine with transients. Needs workloads/networks/fmnist-cnn.json and
// /usr/share/datasets/fashion-mnist. Figures: docs/performance.md, "Transient read errors".
#include <benchmark/benchmark.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "memory/transient_read_errors.h"
#include "memory/weight_memory.h"
#include "models/weights_as_read.h"
#include "sim/cli/presets.h"
#include "workloads/data/dataset.h"
#include "workloads/import/network_loader.h"
#include "workloads/inference/fast_inference.h"
#include "workloads/network/network_json.h"

using namespace lvsim;

namespace {

const char* kData = "/usr/share/datasets/fashion-mnist";

struct Setup {
  Network net;
  Dataset test;
  std::unique_ptr<WeightMemory> wm;
  LayerWeights persistent;
  std::unique_ptr<TransientReadErrors> transient;
  FaultGeometry geometry;

  Setup() {
    net = load_network(std::string(LVSIM_SOURCE_DIR) + "/workloads/networks/fmnist-cnn.json");
    test = load_dataset(kData, Split::Test);
    const ArchitectureParams arch = load_architecture("");  // built-in edge-16x16
    wm = std::make_unique<WeightMemory>(arch.weight_sram, net);
    geometry = fault_geometry(arch.weight_sram);
    WeightReadCounts fr;
    persistent = read_all_weights(net, *wm, fr);
  }
  void set_rate(double rate) {
    transient = std::make_unique<TransientReadErrors>(rate, geometry, 7);
    wm->set_transient(transient.get());
  }
};

Setup& setup() {
  static Setup s;
  return s;
}

// The per-image path this replaced: every weight re-read and a new engine for each image.
std::vector<int> per_image_reference(Setup& s, int64_t images) {
  std::vector<int> pred;
  LayerWeights w;
  WeightReadCounts fr;
  for (int64_t i = 0; i < images; ++i) {
    read_image_weights(s.net, *s.wm, i, s.persistent, w, fr);
    pred.push_back(FastInference(s.net, w).predict(s.test.image(i), 1, 1)[0]);
  }
  return pred;
}

void BM_NoTransients(benchmark::State& state) {
  Setup& s = setup();
  for (auto _ : state)
    benchmark::DoNotOptimize(run_functional(RunMode::Fast, s.net, s.persistent, s.test, int(state.range(0))));
  state.counters["images/s"] = benchmark::Counter(double(s.test.count), benchmark::Counter::kIsIterationInvariantRate);
}

void BM_Transients(benchmark::State& state) {
  Setup& s = setup();
  const double rate = state.range(1) == 4 ? 1e-4 : 1e-3;
  s.set_rate(rate);
  int64_t flips = 0;
  for (auto _ : state) {
    WeightReadCounts fr;
    benchmark::DoNotOptimize(
        run_with_transients(RunMode::Fast, s.net, *s.wm, s.persistent, s.test, fr, int(state.range(0))));
    flips = fr.transient_bit_errors;
  }
  state.counters["images/s"] = benchmark::Counter(double(s.test.count), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["flips/image"] = double(flips) / double(s.test.count);
}

// The per-image path on the first 500 images (it is too slow for all 10,000), 1e-4.
void BM_PerImagePath(benchmark::State& state) {
  Setup& s = setup();
  s.set_rate(1e-4);
  for (auto _ : state) benchmark::DoNotOptimize(per_image_reference(s, 500));
  state.counters["images/s"] = benchmark::Counter(500.0, benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

BENCHMARK(BM_PerImagePath)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_NoTransients)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Transients)
    ->ArgNames({"threads", "rate_exp"})
    ->Args({1, 4})
    ->Args({2, 4})
    ->Args({1, 3})
    ->Args({2, 3})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

int main(int argc, char** argv) {
  if (!std::filesystem::exists(kData)) {
    std::printf("bench_transients: %s not found, nothing to measure\n", kData);
    return 0;
  }
  Setup& s = setup();
  for (double rate : {1e-4, 1e-3}) {
    s.set_rate(rate);
    const int64_t n = 300;
    Dataset head = s.test;
    head.count = n;
    WeightReadCounts fr;
    const bool fast_same =
        run_with_transients(RunMode::Fast, s.net, *s.wm, s.persistent, head, fr, 2) == per_image_reference(s, n);
    const bool golden_same =
        run_with_transients(RunMode::Golden, s.net, *s.wm, s.persistent, head, fr, 2) == per_image_reference(s, n);
    std::printf("rate %g: batched fast == per-image path: %s; golden == per-image path: %s (first %lld images)\n", rate,
                fast_same ? "yes" : "NO", golden_same ? "yes" : "NO", static_cast<long long>(n));
    if (!fast_same || !golden_same) return 1;
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
