// Streamed weights (dram.weights = "streamed"): the cycle model's DRAM streamer against the closed
// form on random shapes, SRAM sizes and bandwidths; hand-counted schedules; the ring placement of
// faults over physical cells, checked weight by weight against an independent computation.
#include <catch2/catch.hpp>

#include <algorithm>

#include "common/errors.h"
#include "memory/weight_memory.h"
#include "models/controller.h"
#include "models/timing_model.h"
#include "models/weight_streaming.h"
#include "tests/support/models_test_util.h"
#include "workloads/inference/reference_inference.h"

using namespace lvsim;

namespace {

// The largest span of global words one streaming unit needs at once, by the unit definition
// (WS/OS: C filters of a group; IS: the group's N filters), walking the filters directly.
int64_t largest_unit_words(const ArchitectureParams& arch, const Layer& L) {
  const int64_t K = L.gemm_k(), N = L.gemm_n(), wpw = arch.weight_sram.word_bits / L.weight.bits;
  const int64_t per = arch.dataflow == Dataflow::InputStationary ? N : std::min<int64_t>(arch.cols, N);
  int64_t most = 0;
  for (int64_t g = 0; g < L.groups; ++g)
    for (int64_t o0 = g * N; o0 < (g + 1) * N; o0 += per) {
      const int64_t o1 = std::min(o0 + per, (g + 1) * N);
      most = std::max(most, (o1 * K - 1) / wpw - (o0 * K) / wpw + 1);
    }
  return most;
}

// A linear layer K = 4, N = 4 (one pixel) with 8-bit weights in 32-bit words: filter o is word o.
Network four_by_four() {
  test::ConvShape s;
  s.linear = true, s.cin = 4, s.cout = 4;
  return test::make_layer_network(s, 8, 21);
}

ArchitectureParams two_by_two(int64_t rows_per_bank) {
  ArchitectureParams a;
  a.rows = a.cols = 2;
  a.dataflow = Dataflow::WeightStationary;
  a.weight_sram.banks = 1;
  a.weight_sram.rows_per_bank = rows_per_bank;
  a.weight_sram.word_bits = 32;
  a.weight_sram.streamed = true;
  a.post_processing_lanes = 4;
  a.clock_hz = 1e9;
  a.dram_bandwidth_bytes_per_s = 0.8e9;  // 0.8 bytes per cycle: a 2-word (8-byte) burst takes 10 cycles
  return a;
}

}  // namespace

TEST_CASE("streamed weights: cycle model == closed form and golden engine on random layers, SRAMs and bandwidths",
          "[streaming]") {
  const Dataflow df = GENERATE(Dataflow::WeightStationary, Dataflow::OutputStationary, Dataflow::InputStationary);
  const auto dims = GENERATE(std::pair{1, 1}, std::pair{2, 3}, std::pair{4, 4}, std::pair{3, 2});
  const int trial = GENERATE(range(0, 8));
  SplitMix64 r(
      derive_seed(derive_seed(0x57ea, uint64_t(df) * 100 + uint64_t(dims.first * 10 + dims.second)), uint64_t(trial)));
  ArchitectureParams arch;
  arch.rows = dims.first, arch.cols = dims.second, arch.dataflow = df;
  const int banks[] = {1, 2, 3, 4};
  const int word_bits[] = {8, 16, 32, 64, 24};
  arch.weight_sram.banks = banks[r.next() % 4];
  arch.weight_sram.word_bits = word_bits[r.next() % 5];
  arch.weight_sram.read_ports_per_bank = 1 + int(r.next() % 2);
  arch.weight_sram.ecc = r.next() % 3 == 0 && arch.weight_sram.word_bits != 24 ? "secded" : "none";
  arch.weight_sram.streamed = true;
  arch.post_processing_lanes = 1 + int(r.next() % 8);
  arch.input_buffer_bytes = arch.output_buffer_bytes = 1 << 24;
  // 0.05 .. 12.8 bytes per cycle: from DRAM-bound to hidden bursts.
  arch.dram_bandwidth_bytes_per_s = arch.clock_hz * 0.05 * double(1 + r.next() % 256);
  const test::ConvShape s = test::random_shape(r);
  const int bits = test::uniform_int(r, 2, 8);
  Network net = test::make_layer_network(s, bits, r.next());
  test::prune_weights(net.layers[0], 0.3, r.next());
  const Layer& L = net.layers[0];
  // An SRAM between one unit and a few: the ring wraps and bursts wait for words to be fetched.
  const int64_t unit = largest_unit_words(arch, L);
  const int64_t words = unit + int64_t(r.next() % uint64_t(2 * unit + 1));
  arch.weight_sram.rows_per_bank = (words + arch.weight_sram.banks - 1) / arch.weight_sram.banks;
  const std::vector<uint8_t> in = test::random_input(net, r.next());
  // Half the trials: buffers too small for the inputs or the accumulators (spilled through DRAM).
  if (r.next() % 2) {
    arch.input_buffer_bytes = std::max<int64_t>(1, L.in_shape.size() / 2);
    arch.output_buffer_bytes = std::max<int64_t>(1, L.gemm_m() * L.gemm_n() * 2);
  }
  INFO("dataflow " << dataflow_name(df) << " array " << dims.first << "x" << dims.second << " bits " << bits << " M "
                   << L.gemm_m() << " K " << L.gemm_k() << " N " << L.gemm_n() << " groups " << L.groups << " banks "
                   << arch.weight_sram.banks << " rows " << arch.weight_sram.rows_per_bank << " word_bits "
                   << arch.weight_sram.word_bits << " bytes/cycle " << arch.dram_bandwidth_bytes_per_s / arch.clock_hz);
  REQUIRE_NOTHROW(arch.check_fits(net));

  WeightMemory wm(arch.weight_sram, net);
  // Faults on a third of the physical words (the ring places several global words in each).
  std::vector<std::pair<WordAddress, WordFaultMasks>> faults;
  for (int64_t p = 0; p < arch.weight_sram.words(); p += 3) {
    WordFaultMasks m;
    m.xor_mask = r.next() & r.next();
    faults.push_back({WordAddress{int(p % arch.weight_sram.banks), p / arch.weight_sram.banks}, m});
  }
  wm.set_faults(faults);
  const std::vector<uint8_t> as_read = wm.read_layer(0);

  LayerTiming expect = layer_timing(arch, net, 0);
  expect.counts.zero_operand_macs_by_weight_bits[size_t(bits)] = test::brute_force_zero_operand_macs(L, in, &as_read);
  const LayerRun cycle = test::run_layer_per_cycle(arch, net, 0, {&in}, wm);
  const LayerRun batched = run_layer_cycle(arch, net, 0, {&in}, wm);
  CHECK(cycle.output == run_layer(net, 0, {&in}, as_read));
  CHECK(cycle.timing == expect);
  CHECK(batched.timing == expect);
  CHECK(batched.output == cycle.output);
  // Every word of the layer is streamed exactly once per inference (the word widths are whole bytes).
  const int64_t layer_words = wm.layout().words(0);
  CHECK(cycle.counts.weight_sram_writes == layer_words);
  CHECK(cycle.counts.ecc_encodes == (arch.weight_sram.secded() ? layer_words : 0));
  // Spilled activations: the input's off-chip part once more per column tile beyond the image read
  // (WS, OS); the accumulators beyond the buffer's floor(B / 4), each with the same share of the
  // output-buffer traffic the cycle model counted; the image in and the results out are
  // network_dram_bytes.
  const int64_t in_bytes = L.in_shape.size(), N = L.gemm_n(), MN = L.gemm_m() * N;
  int64_t spill = 0;
  if (in_bytes > arch.input_buffer_bytes && df != Dataflow::InputStationary)
    spill += ((N + arch.cols - 1) / arch.cols - 1) * (in_bytes - arch.input_buffer_bytes);
  const int64_t held = arch.output_buffer_bytes / 4, accumulators = L.groups * MN;
  if (MN > held) {
    const int64_t traffic = cycle.counts.output_buffer_reads + cycle.counts.output_buffer_writes;
    REQUIRE(traffic % accumulators == 0);
    spill += traffic / accumulators * L.groups * (MN - held);
  }
  CHECK(cycle.counts.dram_bytes ==
        int64_t(in.size()) + L.out_shape.size() + layer_words * arch.weight_sram.word_bits / 8 + spill);
  // Resident on an SRAM large enough: the same outputs; streaming never saves cycles.
  ArchitectureParams resident = arch;
  resident.weight_sram.streamed = false;
  resident.weight_sram.rows_per_bank = 1 << 16;
  const LayerTiming res = layer_timing(resident, net, 0);
  CHECK(expect.cycles >= res.cycles);
  CHECK(expect.array_cycles == res.array_cycles);
}

TEST_CASE("streamed weights: hand-counted schedule, bursts ahead of the folds", "[streaming]") {
  // WS 2x2, K = N = 4, M = 1: units (filters 0-1: words 0-1) and (filters 2-3: words 2-3), 8 bytes
  // each, 10 DRAM cycles; 4 folds of 2*2 + 2 + 1 - 2 = 5 cycles, each fetching 2 words from one
  // bank (2 cycles). Ring of 4 words: no burst waits.
  //   burst 0 [0,10), burst 1 [10,20); fold 0 fetch [10,12) runs [12,17); fold 1 fetch [12,14)
  //   runs [17,22); fold 2 fetch [20,22) runs [22,27); fold 3 fetch [22,24) runs [27,32).
  const Network net = four_by_four();
  const ArchitectureParams a = two_by_two(4);
  const WeightStreamPlan plan = plan_weight_stream(a, net, 0);
  REQUIRE(plan.units.size() == 2);
  CHECK(plan.units[0].dram_cycles == 10);
  CHECK(plan.units[1].wait_unit == -1);
  const LayerTiming t = layer_timing(a, net, 0);
  CHECK(t.array_cycles == 20);
  CHECK(t.stall_cycles == 12);
  CHECK(t.counts.dram_bytes == 16 + 4 + 4);  // weights, the input read, the output written
  CHECK(t.counts.weight_sram_writes == 4);
  const std::vector<uint8_t> in = test::random_input(net, 5);
  WeightMemory wm(a.weight_sram, net);
  CHECK(test::run_layer_per_cycle(a, net, 0, {&in}, wm).timing.stall_cycles == 12);
}

TEST_CASE("buffers too small: activations and accumulators through DRAM, hand-counted", "[streaming]") {
  // Resident weights, the same 2x2 WS layer with a 2-byte input buffer (the input's other 2 bytes
  // are read once more for the second column tile: 2 bytes) and an 8-byte output buffer (2 of the 4
  // accumulators; each accumulator is written by 2 K-folds, read back once and read by
  // post-processing: 16 bytes, so the 2 off chip move 32 bytes). 34 bytes at 0.8 bytes per cycle:
  // 43 cycles, against 2 (first fetch) + 20 (4 folds of 5) + 1 (post-processing) = 23 without.
  const Network net = four_by_four();
  ArchitectureParams a = two_by_two(64);
  a.weight_sram.streamed = false;
  a.input_buffer_bytes = 2;
  a.output_buffer_bytes = 8;
  REQUIRE_NOTHROW(a.check_fits(net));
  CHECK(activation_spill_bytes(a, net, 0) == 2);
  const LayerTiming t = layer_timing(a, net, 0);
  CHECK(t.counts.dram_bytes == 4 + 4 + 34);
  CHECK(t.cycles == 43);
  CHECK(t.stall_cycles == 43 - 20 - 1);
  const std::vector<uint8_t> in = test::random_input(net, 5);
  WeightMemory wm(a.weight_sram, net);
  const LayerRun run = test::run_layer_per_cycle(a, net, 0, {&in}, wm);
  CHECK(run.timing.cycles == 43);
  CHECK(run.counts.dram_bytes == 42);
  CHECK(run.output == run_layer(net, 0, {&in}, net.layers[0].weight.stored));
}

TEST_CASE("buffers too small: every layer type of a small network, cycle model == closed form", "[streaming]") {
  const Dataflow df = GENERATE(Dataflow::WeightStationary, Dataflow::OutputStationary, Dataflow::InputStationary);
  const Network net = test::make_mini_network(31);
  ArchitectureParams a;
  a.rows = 3, a.cols = 4, a.dataflow = df;
  a.weight_sram.banks = 2;
  a.weight_sram.word_bits = 32;
  a.weight_sram.rows_per_bank = 96;  // 192 words, the network 201: the ring wraps
  a.weight_sram.streamed = true;
  a.input_buffer_bytes = 64;
  a.output_buffer_bytes = 256;
  a.dram_bandwidth_bytes_per_s = a.clock_hz * 0.5;
  REQUIRE_NOTHROW(a.check_fits(net));
  WeightMemory wm(a.weight_sram, net);
  REQUIRE(wm.layout().words_used() > a.weight_sram.words());
  const std::vector<uint8_t> in = test::random_input(net, 8);
  test::check_every_layer(a, net, in, [&](int l, const std::vector<const std::vector<uint8_t>*>& ins) {
    return test::run_layer_per_cycle(a, net, l, ins, wm);
  });
  // The relu (layer 1) neither reads the image nor writes the results: its 486-byte input and
  // output (6 x 9 x 9) each keep 64 bytes on chip; 422 bytes are read from and 422 written to DRAM.
  const Layer& relu = net.layers[1];
  REQUIRE(relu.type == LayerType::Relu);
  REQUIRE(relu.out_shape.size() == 486);
  CHECK(layer_timing(a, net, 1).counts.dram_bytes == 2 * (486 - 64));
  CHECK(layer_timing(a, net, 1).cycles == (2 * (486 - 64) + 0) * 2);  // 0.5 bytes per cycle
}

TEST_CASE("streamed weights: a burst waits until the ring words it overwrites are fetched", "[streaming]") {
  // As above with a 2-word ring: burst 1 overwrites words 0-1, held by unit 0 until fold 1 fetched
  // them at cycle 14: burst 1 [14,24); fold 2 fetch [24,26) runs [26,31); fold 3 fetch [26,28)
  // runs [31,36): 36 - 20 = 16 stall cycles.
  const Network net = four_by_four();
  const ArchitectureParams a = two_by_two(2);
  CHECK(plan_weight_stream(a, net, 0).units[1].wait_unit == 0);
  CHECK(layer_timing(a, net, 0).stall_cycles == 16);
  const std::vector<uint8_t> in = test::random_input(net, 5);
  WeightMemory wm(a.weight_sram, net);
  CHECK(test::run_layer_per_cycle(a, net, 0, {&in}, wm).timing.stall_cycles == 16);
  // One word less cannot hold a unit.
  ArchitectureParams small = two_by_two(1);
  CHECK_THROWS_WITH(small.check_fits(net), Catch::Contains("weight SRAM too small for streamed weights: layer 'fc' "
                                                           "streams 2 filters x 4 weights at once (2 words)"));
}

TEST_CASE("streamed weights: a network larger than the SRAM runs; resident it is refused", "[streaming]") {
  const Network net = test::make_mini_network(5);
  ArchitectureParams a;
  a.rows = a.cols = 4;
  a.weight_sram.banks = 2;
  a.weight_sram.word_bits = 16;
  a.weight_sram.rows_per_bank = 64;  // 128 words; the network needs more
  a.input_buffer_bytes = a.output_buffer_bytes = 1 << 20;
  WeightSramParams streamed = a.weight_sram;
  streamed.streamed = true;
  REQUIRE(WeightLayout(streamed, net).words_used() > 128);
  CHECK_THROWS_WITH(a.check_fits(net), Catch::Contains("weight SRAM too small: network needs"));
  a.weight_sram.streamed = true;
  CHECK_NOTHROW(a.check_fits(net));
  CHECK(model_load_counts(a, net, a.clock_hz) == ActionCounts{});
}

TEST_CASE("streamed weights: faults belong to physical cells shared by the weights of every layer",
          "[streaming][memory]") {
  // Independent of WeightMemory: each weight's global word g = first + index / per_word sits in
  // physical word g mod capacity; its pattern is the stored one with that word's XOR mask applied.
  const Network net = test::make_mini_network(8);
  WeightSramParams p;
  p.banks = 3;
  p.rows_per_bank = 5;  // 15 physical words
  p.word_bits = 16;
  p.streamed = true;
  WeightMemory wm(p, net);
  const WeightLayout& lay = wm.layout();
  REQUIRE(lay.words_used() > 2 * p.words());
  std::vector<uint64_t> mask(size_t(p.words()), 0);
  std::vector<std::pair<WordAddress, WordFaultMasks>> faults;
  SplitMix64 r(3);
  for (int64_t w : {0, 4, 7, 14}) {
    mask[size_t(w)] = r.next() & 0xffff;
    WordFaultMasks m;
    m.xor_mask = mask[size_t(w)];
    faults.push_back({WordAddress{int(w % 3), w / 3}, m});
  }
  wm.set_faults(faults);
  int64_t changed_layers = 0;
  for (int l = 0; l < int(net.layers.size()); ++l) {
    const Layer& L = net.layers[size_t(l)];
    if (!L.has_weights()) continue;
    const int bits = L.weight.bits, per_word = 16 / bits;
    std::vector<uint8_t> expect = L.weight.stored;
    for (size_t i = 0; i < expect.size(); ++i) {
      const int64_t g = lay.first_word(l) + int64_t(i) / per_word;
      const int shift = int(int64_t(i) % per_word) * bits;
      expect[i] = uint8_t((expect[i] ^ (mask[size_t(g % p.words())] >> shift)) & ((1u << bits) - 1));
    }
    changed_layers += expect != L.weight.stored;
    CHECK(wm.read_layer(l) == expect);
    std::vector<uint8_t> by_word(expect.size());
    for (size_t i = 0; i < expect.size(); ++i)
      by_word[i] = wm.extract(l, int64_t(i), wm.read_word(lay.global_word(l, int64_t(i))));
    CHECK(by_word == expect);
  }
  CHECK(changed_layers == 2);  // both layers with weights pass through the faulty cells
  CHECK_THROWS_AS(wm.read_word(WordAddress{0, 0}), std::logic_error);
}
