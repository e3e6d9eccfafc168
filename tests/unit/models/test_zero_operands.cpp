// Zero-operand MACs (zero-operand gating) and PE register counts: the cycle model counting
// operand by operand, the closed form from the input codes and weights (workloads/zero_operands),
// and a brute-force walk of the im2col matrix against every filter (models_test_util.h), on random
// shapes with many zero codes and pruned (zero) weights.
#include <catch2/catch.hpp>

#include "memory/weight_memory.h"
#include "models/controller.h"
#include "models/timing_model.h"
#include "tests/support/models_test_util.h"
#include "workloads/inference/zero_operands.h"

using namespace lvsim;

namespace {

// Half the codes equal the input zero point (as after a relu), the rest random.
std::vector<uint8_t> sparse_input(const Network& net, SplitMix64& r) {
  std::vector<uint8_t> in(size_t(net.input_shape.size()));
  for (auto& v : in) v = r.next() % 2 ? uint8_t(net.layers[0].in_quant.zero_point) : uint8_t(r.next() % 256);
  return in;
}

// C x H x W -> H x W x C.
std::vector<uint8_t> channels_last(const std::vector<uint8_t>& chw, const Shape& s) {
  std::vector<uint8_t> hwc(chw.size());
  for (int c = 0; c < s.c; ++c)
    for (int64_t p = 0; p < int64_t(s.h) * s.w; ++p) hwc[size_t(p * s.c + c)] = chw[size_t(c * s.h * s.w + p)];
  return hwc;
}

}  // namespace

TEST_CASE("zero-operand MACs: closed form == brute-force im2col walk, both layouts", "[zero_operands]") {
  const int trial = GENERATE(range(0, 60));
  SplitMix64 r(derive_seed(0x2e40, uint64_t(trial)));
  const test::ConvShape s = test::random_shape(r);
  Network net = test::make_layer_network(s, test::uniform_int(r, 2, 8), r.next());
  test::prune_weights(net.layers[0], trial % 3 == 0 ? 0.0 : 0.3, r.next());
  const std::vector<uint8_t> in = sparse_input(net, r);
  const Layer& L = net.layers[0];
  const uint8_t* w = L.weight.stored.data();
  const int64_t expect = test::brute_force_zero_operand_macs(L, in);
  CHECK(zero_operand_macs(L, w, in.data(), CodeLayout::ChannelsFirst) == expect);
  CHECK(zero_operand_macs(L, w, channels_last(in, L.in_shape).data(), CodeLayout::ChannelsLast) == expect);
  CHECK(expect <= L.macs());
}

TEST_CASE("zero-operand MACs: a weight's nonzero activations are the count it moves", "[zero_operands]") {
  const int trial = GENERATE(range(0, 30));
  SplitMix64 r(derive_seed(0x2e42, uint64_t(trial)));
  const test::ConvShape s = test::random_shape(r);
  Network net = test::make_layer_network(s, test::uniform_int(r, 2, 8), r.next());
  test::prune_weights(net.layers[0], 0.3, r.next());
  const std::vector<uint8_t> in = sparse_input(net, r);
  Layer& L = net.layers[0];
  const ZeroOperandCounter before(L, L.weight.stored.data(), L.in_shape);
  const int64_t index = int64_t(r.next() % L.weight.stored.size());
  const uint8_t zero = test::zero_weight_pattern(L.weight, index);
  const bool was_zero = L.weight.stored[size_t(index)] == zero;
  L.weight.stored[size_t(index)] = was_zero ? uint8_t(zero ^ 1) : zero;
  const int64_t after = test::brute_force_zero_operand_macs(L, in);
  const int64_t moved = before.nonzero_activations_of(index, in.data(), CodeLayout::ChannelsFirst);
  CHECK(after == before.count(in.data(), CodeLayout::ChannelsFirst) + (was_zero ? -moved : moved));
}

TEST_CASE("a 3x3 conv with padding 1 on a 2x2 input of zeros: every MAC is gated", "[zero_operands]") {
  test::ConvShape s;
  s.cin = 1, s.cout = 2, s.h = s.w = 2, s.kh = s.kw = 3, s.ph = s.pw = 1;
  const Network net = test::make_layer_network(s, 8, 3);
  const std::vector<uint8_t> in(4, uint8_t(net.layers[0].in_quant.zero_point));
  // 4 output pixels x 9 taps x 2 filters, all reading zero or padding.
  CHECK(zero_operand_macs(net.layers[0], net.layers[0].weight.stored.data(), in.data(), CodeLayout::ChannelsFirst) ==
        4 * 9 * 2);
}

TEST_CASE("cycle model counts the zero-operand MACs the closed form predicts, every dataflow",
          "[zero_operands][controller]") {
  const Dataflow df = GENERATE(Dataflow::WeightStationary, Dataflow::OutputStationary, Dataflow::InputStationary);
  const int trial = GENERATE(range(0, 12));
  SplitMix64 r(derive_seed(0x2e41 + uint64_t(df), uint64_t(trial)));
  ArchitectureParams arch;
  arch.rows = test::uniform_int(r, 1, 6);
  arch.cols = test::uniform_int(r, 1, 6);
  arch.dataflow = df;
  arch.weight_sram.banks = 2;
  arch.weight_sram.rows_per_bank = 1 << 14;
  arch.input_buffer_bytes = arch.output_buffer_bytes = 1 << 24;
  const test::ConvShape s = test::random_shape(r);
  const int bits = test::uniform_int(r, 2, 8);
  Network net = test::make_layer_network(s, bits, r.next());
  test::prune_weights(net.layers[0], 0.3, r.next());
  const std::vector<uint8_t> in = sparse_input(net, r);
  WeightMemory wm(arch.weight_sram, net);
  const LayerRun run = run_layer_cycle(arch, net, 0, {&in}, wm);
  INFO(dataflow_name(df) << " " << arch.rows << "x" << arch.cols);
  const LayerTiming expect = test::expected_timing(arch, net, 0, in);
  CHECK(run.counts.zero_operand_macs_by_weight_bits[size_t(bits)] > 0);
  CHECK(run.counts == expect.counts);
  // Closed-form register bits, independently: sum over folds of mapped PEs x bits per mode.
  int64_t mapped_sum = 0;
  const GemmMapping g = map_gemm(arch, net.layers[0], arch.dataflow);
  for (int64_t rt = 0; rt < g.row_tiles; ++rt)
    for (int64_t ct = 0; ct < g.col_tiles; ++ct)
      mapped_sum += std::min<int64_t>(arch.rows, g.row_extent - rt * arch.rows) *
                    std::min<int64_t>(arch.cols, g.col_extent - ct * arch.cols);
  mapped_sum *= g.groups;
  const int64_t R = arch.rows, C = arch.cols, T = g.stream;
  const int64_t per_pe =
      df == Dataflow::OutputStationary ? (R + C + T - 2) * 64 + R * 32 : R * 16 + (T + R + C - 2) * 48;
  CHECK(run.counts.pe_register_bits_written == mapped_sum * per_pe);
  CHECK(run.counts.pe_register_bits_idle == R * C * 64 * run.cycles - mapped_sum * per_pe);
}

TEST_CASE("model load: every weight word written once, SECDED encodes, packed bytes from DRAM", "[timing_model]") {
  test::ConvShape s;
  s.linear = true, s.cin = 40, s.cout = 9;
  const Network net = test::make_layer_network(s, 4, 1);
  ArchitectureParams arch;
  arch.weight_sram.word_bits = 32;
  arch.weight_sram.ecc = "secded";
  arch.dram_bandwidth_bytes_per_s = 1e9;
  const WeightMemory wm(arch.weight_sram, net);
  // 360 4-bit weights packed 8 per 32-bit word: 45 words.
  const ActionCounts c = model_load_counts(arch, net, 500e6);
  CHECK(c.weight_sram_writes == 45);
  CHECK(c.weight_sram_writes == wm.stats().word_writes);
  CHECK(c.ecc_encodes == 45);
  CHECK(c.dram_bytes == 45 * 4);
  CHECK(c.cycles == 90);  // 180 bytes at 1 GB/s = 180 ns = 90 cycles at 500 MHz
}
