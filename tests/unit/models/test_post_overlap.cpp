// post_processing_overlap (docs/timing-model.md, "Post-processing overlap"): the cycle-level
// controller equals the closed form with the option on (outputs equal to the golden engine), on
// random single layers and multi-layer networks, with and without weight prefetch; on one-fold
// layers the post-processing cycles are those the documented rule gives, written out here; and a
// two-tile layer's cycles match a count made by hand.
#include <catch2/catch.hpp>

#include <algorithm>

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
  a.post_processing_overlap = true;
  return a;
}

// The documented rule for a layer of one fold, written out: the fold delivers its outputs in its
// last C + T - 1 (WS, IS) or R (OS) cycles; the job's cycles beyond them follow the array.
int64_t one_fold_exposed_post(const ArchitectureParams& a, const Layer& L) {
  const int64_t job = (L.out_shape.size() + a.post_processing_lanes - 1) / a.post_processing_lanes;
  const int64_t T = a.dataflow == Dataflow::WeightStationary   ? L.gemm_m()
                    : a.dataflow == Dataflow::OutputStationary ? L.gemm_k()
                                                               : L.gemm_n();
  const int64_t window = a.dataflow == Dataflow::OutputStationary ? a.rows : a.cols + T - 1;
  return std::max<int64_t>(0, job - window);
}

void check_cycle_equals_closed_form(const ArchitectureParams& arch, const Network& net, uint64_t seed) {
  WeightMemory wm(arch.weight_sram, net);
  const std::vector<uint8_t> in = test::random_input(net, seed);
  test::check_every_layer(arch, net, in, [&](int l, const std::vector<const std::vector<uint8_t>*>& ins) {
    const LayerRun run = test::run_layer_per_cycle(arch, net, l, ins, wm);
    CHECK(run.cycles == layer_timing(arch, net, l).cycles);
    const Layer& L = net.layers[size_t(l)];
    if (L.has_weights() && run.timing.folds == 1) CHECK(run.timing.post_cycles == one_fold_exposed_post(arch, L));
    if (!arch.weight_prefetch) {  // without prefetch the option changes nothing but the post cycles
      ArchitectureParams off = arch;
      off.post_processing_overlap = false;
      const LayerTiming without = layer_timing(off, net, l);
      CHECK(without.cycles - run.cycles == without.post_cycles - run.timing.post_cycles);
      CHECK(without.counts.post_ops == run.counts.post_ops);
    }
    return run;
  });
}

}  // namespace

TEST_CASE("post-processing overlap: cycle model == closed form on random single layers", "[controller][overlap]") {
  const Dataflow df = GENERATE(Dataflow::WeightStationary, Dataflow::OutputStationary, Dataflow::InputStationary);
  const int trial = GENERATE(range(0, 24));
  SplitMix64 r(derive_seed(derive_seed(0x0ab, uint64_t(df)), uint64_t(trial)));
  ArchitectureParams arch = random_arch(df, r);
  arch.weight_prefetch = trial % 3 == 0;
  const test::ConvShape s = test::random_shape(r);
  const Network net = test::make_layer_network(s, test::uniform_int(r, 2, 8), r.next());
  INFO("dataflow " << dataflow_name(df) << " array " << arch.rows << "x" << arch.cols << " lanes "
                   << arch.post_processing_lanes << " prefetch " << arch.weight_prefetch);
  check_cycle_equals_closed_form(arch, net, r.next());
}

TEST_CASE("post-processing overlap: cycle model == closed form on multi-layer networks", "[controller][overlap]") {
  const Dataflow df = GENERATE(Dataflow::WeightStationary, Dataflow::OutputStationary, Dataflow::InputStationary);
  const int trial = GENERATE(range(0, 8));
  SplitMix64 r(derive_seed(derive_seed(0x0ac, uint64_t(df)), uint64_t(trial)));
  ArchitectureParams arch = random_arch(df, r);
  arch.weight_prefetch = trial % 2 == 0;
  INFO("dataflow " << dataflow_name(df) << " array " << arch.rows << "x" << arch.cols << " prefetch "
                   << arch.weight_prefetch);
  check_cycle_equals_closed_form(arch, test::make_mini_network(r.next()), r.next());
}

TEST_CASE("post-processing overlap: a hand-counted two-tile layer", "[timing_model][overlap]") {
  // 4x4 array, one bank of 8-bit words with one read port (one weight per word and cycle), one
  // post-processing lane. A 1x1 conv, 4 -> 8 channels on a 2x2 image (M 4, K 4, N 8): two folds of
  // 4 filters, 16 words each (16 cycles to fetch), each completing a tile of 4 x 4 = 16 outputs
  // (16 cycles of the unit); without the option the job is 32 cycles after the array.
  // WS (T = M = 4): folds of 2*4 + 4 + 4 - 2 = 14 cycles, stalls 16 + (16 - 14) = 18: the folds end
  // at 30 and 46. Each fold's outputs leave from C + T - 1 = 7 cycles before its end: tile 0 from
  // 23 (unit busy to 39), tile 1 from 39 (to 55): 9 cycles after the array.
  //   off: 18 + 28 + 32 = 78; on: 18 + 28 + 9 = 55.
  // OS (T = K = 4): the same fold cycles and stalls; outputs leave in the R = 4 drain cycles: tile 0
  // from 26 (to 42), tile 1 from 42 (to 58): 12 after the array.  off: 78; on: 18 + 28 + 12 = 58.
  test::ConvShape s;
  s.cin = 4, s.h = 2, s.w = 2, s.cout = 8;
  const Network net = test::make_layer_network(s, 8, 11);
  ArchitectureParams a;
  a.rows = a.cols = 4;
  a.weight_sram.banks = 1;
  a.weight_sram.word_bits = 8;
  a.weight_sram.read_ports_per_bank = 1;
  a.weight_sram.rows_per_bank = 1024;
  a.post_processing_lanes = 1;
  WeightMemory wm(a.weight_sram, net);
  const std::vector<uint8_t> in = test::random_input(net, 12);
  const std::vector<uint8_t> golden = run_layer(net, 0, {&in}, net.layers[0].weight.stored);
  for (const Dataflow df : {Dataflow::WeightStationary, Dataflow::OutputStationary}) {
    a.dataflow = df;
    const bool ws = df == Dataflow::WeightStationary;
    for (const bool overlap : {false, true}) {
      a.post_processing_overlap = overlap;
      INFO(dataflow_name(df) << " overlap " << overlap);
      const LayerRun run = test::run_layer_per_cycle(a, net, 0, {&in}, wm);
      const int64_t post = overlap ? (ws ? 9 : 12) : 32;
      CHECK(run.timing.stall_cycles == 18);
      CHECK(run.timing.post_cycles == post);
      CHECK(run.cycles == 18 + 28 + post);
      CHECK(layer_timing(a, net, 0).cycles == 18 + 28 + post);
      CHECK(run.output == golden);
    }
  }
}
