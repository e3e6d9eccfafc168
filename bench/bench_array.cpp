// Simulated PE-cycles per second of the plain C++ cycle model (one core): the array's clock edge
// alone (WS stream step, OS compute step, batched WS stream edges) and whole layers through the controller (edge
// feeding, output collection, SRAM fetch and post-processing included).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "common/rng.h"
#include "memory/weight_memory.h"
#include "models/controller.h"
#include "models/systolic_array.h"
#include "workloads/network/quantization.h"

using namespace lvsim;

namespace {

void fill_random(SystolicArray& a, uint64_t seed) {
  SplitMix64 r(seed);
  a.set_mode(ArrayMode::LoadStationary);
  for (int i = 0; i < a.rows(); ++i) {
    for (int c = 0; c < a.cols(); ++c) a.top_in()[c] = int16_t(int(r.next() % 511) - 255);
    a.step();
  }
  for (int i = 0; i < a.rows(); ++i) a.left_in()[i] = int16_t(int(r.next() % 511) - 255);
  for (int c = 0; c < a.cols(); ++c) a.top_in()[c] = int16_t(int(r.next() % 511) - 255);
}

void BM_ArrayStep(benchmark::State& state, ArrayMode mode) {
  const int n = int(state.range(0));
  SystolicArray a(n, n);
  fill_random(a, 1);
  a.set_mode(mode);
  for (auto _ : state) {
    a.step();
    a.left_in()[0] = int16_t(a.left_in()[0] + 1);  // keep the edge moving
  }
  benchmark::DoNotOptimize(a.psum(n - 1, n - 1));
  state.counters["PE_cycles_per_s"] =
      benchmark::Counter(double(state.iterations()) * n * n, benchmark::Counter::kIsRate);
}

/// Stream edges in batches (SystolicArray::stream), the batch size the controller uses.
void BM_ArrayStreamBatch(benchmark::State& state) {
  const int n = int(state.range(0));
  const int batch = std::min(SystolicArray::kMaxStreamBatch, std::max(2, 4096 / n));
  SystolicArray a(n, n);
  fill_random(a, 1);
  std::vector<int16_t> seq(size_t(batch) * size_t(n));
  SplitMix64 r(2);
  for (auto& v : seq) v = int16_t(int(r.next() % 511) - 255);
  for (auto _ : state) {
    a.stream(batch, seq.data());
    seq[0] = int16_t(seq[0] + 1);  // keep the edge moving
  }
  benchmark::DoNotOptimize(a.psum(n - 1, n - 1));
  state.counters["PE_cycles_per_s"] =
      benchmark::Counter(double(state.iterations()) * batch * n * n, benchmark::Counter::kIsRate);
}

/// fmnist CNN's second conv layer (32 -> 64 channels, 5x5, pad 2, 14x14), random 8-bit weights.
Network conv2_network() {
  Network net;
  net.input_shape = Shape{32, 14, 14};
  net.input_quant = ActivationQuant{0.02, 10};
  Layer L;
  L.name = "conv2";
  L.type = LayerType::Conv2d;
  L.inputs = {-1};
  L.in_shape = net.input_shape;
  L.out_shape = Shape{64, 14, 14};
  L.in_quant = net.input_quant;
  L.out_quant = ActivationQuant{0.05, 0};
  L.out_channels = 64;
  L.kernel_h = L.kernel_w = 5;
  L.pad_h = L.pad_w = 2;
  L.weight.bits = 8;
  L.weight.out_channels = 64;
  L.weight.per_out = 32 * 25;
  SplitMix64 r(7);
  L.weight.stored.resize(64 * 800);
  for (auto& w : L.weight.stored) w = uint8_t(r.next());
  L.weight.scale.assign(64, 0.01);
  L.weight.zero_point.assign(64, 128);
  L.bias.assign(64, 0);
  L.requant.assign(64, make_requant(1e-4));
  net.layers.push_back(L);
  net.output = 0;
  return net;
}

void BM_Conv2Layer(benchmark::State& state, Dataflow df) {
  const int n = int(state.range(0));
  const Network net = conv2_network();
  ArchitectureParams arch;
  arch.rows = arch.cols = n;
  arch.dataflow = df;
  arch.weight_sram.banks = 16;
  arch.weight_sram.rows_per_bank = 8192;
  std::vector<uint8_t> in(size_t(net.input_shape.size()));
  SplitMix64 r(3);
  for (auto& v : in) v = uint8_t(r.next());
  WeightMemory wm(arch.weight_sram, net);
  int64_t cycles = 0;
  for (auto _ : state) {
    const LayerRun run = run_layer_cycle(arch, net, 0, {&in}, wm);
    cycles += run.cycles;
    benchmark::DoNotOptimize(run.output.data());
  }
  state.counters["PE_cycles_per_s"] = benchmark::Counter(double(cycles) * n * n, benchmark::Counter::kIsRate);
  state.counters["cycles_per_layer"] = double(cycles) / double(state.iterations());
}

}  // namespace

BENCHMARK_CAPTURE(BM_ArrayStep, weight_stationary, ArrayMode::Stream)->Arg(16)->Arg(64)->Arg(128);
BENCHMARK_CAPTURE(BM_ArrayStep, output_stationary, ArrayMode::OsCompute)->Arg(16)->Arg(64)->Arg(128);
BENCHMARK(BM_ArrayStreamBatch)->Arg(16)->Arg(64)->Arg(128);
BENCHMARK_CAPTURE(BM_Conv2Layer, weight_stationary, Dataflow::WeightStationary)
    ->Arg(16)
    ->Arg(64)
    ->Arg(128)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Conv2Layer, output_stationary, Dataflow::OutputStationary)
    ->Arg(16)
    ->Arg(64)
    ->Arg(128)
    ->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
