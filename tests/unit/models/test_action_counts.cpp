// Action counts of a tiny layer worked out by hand from the counting rules (docs/timing-model.md),
// and the cycle-level model counting exactly the same events (the energy model costs these).
#include <catch2/catch.hpp>

#include "memory/weight_memory.h"
#include "models/controller.h"
#include "models/timing_model.h"
#include "tests/support/models_test_util.h"
#include "workloads/inference/reference_inference.h"

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
  // Register bits of mapped PEs: fold 0 maps 2x2, fold 1 (K rows 2..2) 1x2; per mapped PE 2 load
  // cycles x 16 bits + 3 stream cycles x 48 bits = 176.
  CHECK(c.pe_register_bits_written == (4 + 2) * 176);
  // Every other bit of the 4 PEs x 64 bits clocks idle on each of the 12 cycles.
  CHECK(c.pe_register_bits_idle == 12 * 4 * 64 - 6 * 176);
  // Hops between mapped PEs: fold 0 load 2 x (1·2) + stream 3 x (2·1 + 1·2) = 16; fold 1 (one
  // row) stream 3 x (1·1) = 3.
  CHECK(c.pe_hops == 19);
  CHECK(c.dram_bytes == 3 + 2);  // reads the network input, writes the network output
  CHECK(c.weight_sram_reads == 2);
  CHECK(c.input_buffer_reads == 3);                   // col tiles · M · K
  CHECK(c.output_buffer_writes == 4 * 2 * 2);         // 4 bytes · row tiles · M·N
  CHECK(c.output_buffer_reads == 4 * 1 * 2 + 4 * 2);  // K-fold accumulation + post-processing reads
  CHECK(c.input_buffer_writes == 2);
  CHECK(c.post_ops == 2);
  CHECK(c.cycles == 12);

  // The cycle-level model counts the same events while computing the golden values.
  WeightMemory wm(a.weight_sram, net);
  // One input code equals the zero point: its K row meets both filters, 2 gated MACs.
  const int za = net.layers[0].in_quant.zero_point;
  std::vector<uint8_t> in = {uint8_t(za), uint8_t(za == 200 ? 201 : 200), uint8_t(za == 31 ? 32 : 31)};
  const LayerRun run = run_layer_cycle(a, net, 0, {&in}, wm);
  ActionCounts expect = c;
  expect.zero_operand_macs_by_weight_bits[8] = 2;
  CHECK(run.counts == expect);
  CHECK(run.cycles == 12);
  CHECK(run.output == run_layer(net, 0, {&in}, net.layers[0].weight.stored));
}
