// Action counts of a tiny layer worked out by hand from the counting rules (docs/timing-model.md),
// and the cycle-level model counting exactly the same events (the energy model costs these).
#include <catch2/catch.hpp>

#include "memory/weight_memory.h"
#include "models/controller.h"
#include "models/timing_model.h"
#include "models_test_util.h"
#include "workloads/reference_inference.h"

using namespace lvsim;

TEST_CASE("linear 3 -> 2 on a 2x2 weight-stationary array: counts by hand", "[timing_model][counts]") {
  test::ConvShape s;
  s.linear = true;
  s.cin = 3;
  s.cout = 2;
  Network net = test::make_layer_network(s, 8, 5);
  ArchitectureParams a;
  a.rows = a.cols = 2;
  a.dataflow = Dataflow::WeightStationary;
  a.weight_sram.banks = 1;
  a.weight_sram.rows_per_bank = 16;
  a.weight_sram.word_bits = 64;
  a.post_processing_lanes = 16;

  // GEMM M = 1, K = 3, N = 2: row tiles ceil(3/2) = 2, one column tile, 2 folds, T = M = 1.
  // Fold = R load cycles + (T + R + C - 2) stream cycles = 2 + 3 = 5 = 2R + C + T - 2.
  const LayerTiming t = layer_timing(a, net, 0);
  CHECK(t.folds == 2);
  CHECK(t.fold_cycles == 5);
  CHECK(t.array_cycles == 10);
  // The six weights sit in word 0 (8 per 64-bit word); each fold reads it once. Fold 0's fetch
  // (1 cycle) cannot be hidden: 1 stall cycle. Post-processing: ceil(2 outputs / 16 lanes) = 1.
  CHECK(t.stall_cycles == 1);
  CHECK(t.post_cycles == 1);
  CHECK(t.cycles == 12);

  const ActionCounts& c = t.counts;
  CHECK(c.macs_by_weight_bits[8] == 6);  // M·K·N
  CHECK(c.macs() == 6);
  // Registers: load cycles clock R·C = 4, stream cycles 2·R·C = 8: per fold 2·4 + 3·8 = 32.
  CHECK(c.pe_register_writes == 64);
  // Hops: load ·C = 2 per cycle, stream R(C-1) + (R-1)C = 4 per cycle: per fold 4 + 12 = 16.
  CHECK(c.pe_hops == 32);
  CHECK(c.weight_sram_reads == 2);
  CHECK(c.input_buffer_reads == 3);                   // col tiles · M · K
  CHECK(c.output_buffer_writes == 4 * 2 * 2);         // 4 bytes · row tiles · M·N
  CHECK(c.output_buffer_reads == 4 * 1 * 2 + 4 * 2);  // K-fold accumulation + post-processing reads
  CHECK(c.input_buffer_writes == 2);
  CHECK(c.post_ops == 2);
  CHECK(c.cycles == 12);

  // The cycle-level model counts the same events while computing the golden values.
  WeightMemory wm(a.weight_sram, net);
  std::vector<uint8_t> in = {7, 200, 31};
  const LayerRun run = run_layer_cycle(a, net, 0, {&in}, wm);
  CHECK(run.counts == c);
  CHECK(run.cycles == 12);
  CHECK(run.output == run_layer(net, 0, {&in}, net.layers[0].weight.stored));
}
