// array.weight_prefetch (docs/timing-model.md, "Weight prefetch"): the cycle-level controller
// equals the closed form with the option on, on random single layers and multi-layer networks, and
// a small network's cycles match a count made by hand from the documented rule.
#include <catch2/catch.hpp>

#include "memory/weight_memory.h"
#include "models/controller.h"
#include "models/timing_model.h"
#include "tests/support/models_test_util.h"

using namespace lvsim;

namespace {

ArchitectureParams random_arch(Dataflow df, SplitMix64& r) {
  const int rows = test::uniform_int(r, 1, 6);
  const int cols = test::uniform_int(r, 1, 6);
  ArchitectureParams a = test::random_sram_arch(rows, cols, df, r);
  a.weight_prefetch = true;
  return a;
}

Layer relu_after(const Layer& src, int index) {
  Layer relu;
  relu.name = "relu" + std::to_string(index);
  relu.type = LayerType::Relu;
  relu.inputs = {index - 1};
  relu.in_shape = relu.out_shape = src.out_shape;
  relu.in_quant = relu.out_quant = src.out_quant;
  return relu;
}

/// Linear layers of the given widths (widths[0] inputs), each followed by a relu when `relus`.
Network linear_chain(const std::vector<int>& widths, bool relus, uint64_t seed) {
  Network net;
  for (size_t i = 0; i + 1 < widths.size(); ++i) {
    test::ConvShape s;
    s.linear = true, s.cin = widths[i], s.cout = widths[i + 1];
    Network one = test::make_layer_network(s, 8, derive_seed(seed, i));
    if (net.layers.empty()) {
      net = one;
    } else {
      Layer fc = one.layers[0];
      fc.name = "fc" + std::to_string(i);
      fc.inputs = {int(net.layers.size()) - 1};
      fc.in_quant = net.layers.back().out_quant;
      net.layers.push_back(fc);
    }
    if (relus) net.layers.push_back(relu_after(net.layers.back(), int(net.layers.size())));
  }
  net.output = int(net.layers.size()) - 1;
  return net;
}

void check_cycle_equals_closed_form(const ArchitectureParams& arch, const Network& net, uint64_t seed) {
  WeightMemory wm(arch.weight_sram, net);
  const std::vector<uint8_t> in = test::random_input(net, seed);
  int64_t cycle_total = 0, closed_total = 0;
  test::check_every_layer(arch, net, in, [&](int l, const std::vector<const std::vector<uint8_t>*>& ins) {
    const LayerRun run = test::run_layer_per_cycle(arch, net, l, ins, wm);
    cycle_total += run.cycles;
    closed_total += layer_timing(arch, net, l).cycles;
    // The option only hides cycles of the first fold's fetch, at most the window.
    ArchitectureParams off = arch;
    off.weight_prefetch = false;
    const LayerTiming without = layer_timing(off, net, l);
    CHECK(run.cycles <= without.cycles);
    CHECK(without.cycles - run.cycles <= weight_prefetch_window_cycles(arch, net, l));
    CHECK(run.counts.weight_sram_reads == without.counts.weight_sram_reads);
    return run;
  });
  CHECK(cycle_total == closed_total);
}

}  // namespace

TEST_CASE("weight prefetch: cycle model == closed form on random single layers", "[controller][prefetch]") {
  const Dataflow df = GENERATE(Dataflow::WeightStationary, Dataflow::OutputStationary, Dataflow::InputStationary);
  const int trial = GENERATE(range(0, 24));
  SplitMix64 r(derive_seed(derive_seed(0x9ef, uint64_t(df)), uint64_t(trial)));
  const ArchitectureParams arch = random_arch(df, r);
  const test::ConvShape s = test::random_shape(r);
  const Network net = test::make_layer_network(s, test::uniform_int(r, 2, 8), r.next());
  INFO("dataflow " << dataflow_name(df) << " array " << arch.rows << "x" << arch.cols << " banks "
                   << arch.weight_sram.banks << " word_bits " << arch.weight_sram.word_bits);
  check_cycle_equals_closed_form(arch, net, r.next());
}

TEST_CASE("weight prefetch: cycle model == closed form on multi-layer networks", "[controller][prefetch]") {
  const Dataflow df = GENERATE(Dataflow::WeightStationary, Dataflow::OutputStationary, Dataflow::InputStationary);
  const int trial = GENERATE(range(0, 8));
  SplitMix64 r(derive_seed(derive_seed(0x9f0, uint64_t(df)), uint64_t(trial)));
  const ArchitectureParams arch = random_arch(df, r);
  std::vector<int> widths;
  for (int i = test::uniform_int(r, 2, 5); i > 0; --i) widths.push_back(test::uniform_int(r, 1, 40));
  INFO("dataflow " << dataflow_name(df) << " array " << arch.rows << "x" << arch.cols << " layers " << widths.size());
  check_cycle_equals_closed_form(arch, linear_chain(widths, r.next() % 2 == 0, r.next()), r.next());
  // Every layer type, flatten (skipped by the rule) included.
  check_cycle_equals_closed_form(arch, test::make_mini_network(r.next()), r.next());
}

TEST_CASE("weight prefetch: a hand-counted linear -> relu -> linear network", "[timing_model][prefetch]") {
  // 4x4 WS array, one bank of 8-bit words with one read port (one weight per word, one word per
  // cycle), 4 post-processing lanes. fc0: 4 -> 4 (M 1, K 4, N 4), one fold of 2*4 + 4 + 1 - 2 = 11
  // cycles fetching 16 words (16 cycles), post ceil(4/4) = 1. relu: post 1. fc2: 4 -> 8, two
  // folds of 11 cycles, each fetching 16 words; fold 1's fetch runs during fold 0 and leaves
  // 16 - 11 = 5 stall cycles; post ceil(8/4) = 2.
  // Without prefetch: fc0 16 + 11 + 1 = 28, relu 1, fc2 16 + 5 + 22 + 2 = 45.
  // With it (window: the layer run before's last fold + post, or its post when it has no weights;
  // fc0's is fc2's, the previous inference's last layer): fc0 window 11 + 2 = 13, stall 16 - 13 = 3,
  // 3 + 11 + 1 = 15; relu 1; fc2 window 1 (relu's post), stall (16 - 1) + 5 = 20, 20 + 22 + 2 = 44.
  const Network net = linear_chain({4, 4, 8}, false, 5);
  Network with_relu = net;
  with_relu.layers.insert(with_relu.layers.begin() + 1, relu_after(net.layers[0], 1));
  with_relu.layers[2].inputs = {1};
  with_relu.output = 2;
  ArchitectureParams a;
  a.rows = a.cols = 4;
  a.dataflow = Dataflow::WeightStationary;
  a.weight_sram.banks = 1;
  a.weight_sram.word_bits = 8;
  a.weight_sram.read_ports_per_bank = 1;
  a.weight_sram.rows_per_bank = 1024;
  a.post_processing_lanes = 4;
  const std::vector<int64_t> off = {28, 1, 45}, on = {15, 1, 44}, on_stall = {3, 0, 20};
  WeightMemory wm(a.weight_sram, with_relu);
  const std::vector<uint8_t> in = test::random_input(with_relu, 6);
  for (const bool prefetch : {false, true}) {
    a.weight_prefetch = prefetch;
    std::vector<std::vector<uint8_t>> outs(3);
    for (int l = 0; l < 3; ++l) {
      INFO("prefetch " << prefetch << " layer " << l);
      const std::vector<uint8_t>* src = l == 0 ? &in : &outs[size_t(l - 1)];
      const LayerRun run = test::run_layer_per_cycle(a, with_relu, l, {src}, wm);
      CHECK(run.cycles == (prefetch ? on : off)[size_t(l)]);
      if (prefetch) CHECK(run.stall_cycles == on_stall[size_t(l)]);
      CHECK(layer_timing(a, with_relu, l).cycles == (prefetch ? on : off)[size_t(l)]);
      outs[size_t(l)] = run.output;
    }
  }
}
