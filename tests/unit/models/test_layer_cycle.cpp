// The cycle-level controller + array against (1) a direct convolution computed in the test,
// (2) the golden integer engine, (3) the closed-form timing model, on random layer shapes,
// array sizes, dataflows, bit widths and SRAM geometries (fixed seeds).
#include <catch2/catch.hpp>

#include <algorithm>
#include <sstream>

#include "memory/weight_memory.h"
#include "models/controller.h"
#include "models/timing_model.h"
#include "tests/support/models_test_util.h"
#include "workloads/inference/reference_inference.h"

using namespace lvsim;

namespace {

ArchitectureParams make_arch(int rows, int cols, Dataflow df, SplitMix64& r) {
  return test::random_sram_arch(rows, cols, df, r);
}

struct CycleResult {
  LayerRun run;
  std::vector<int32_t> acc;  // [g][m][n] as left in the output buffer
};

CycleResult run_with_controller(const ArchitectureParams& arch, const Network& net, int layer,
                                const std::vector<const std::vector<uint8_t>*>& ins, WeightMemory& wm) {
  CycleResult r;
  r.run = test::run_layer_per_cycle(arch, net, layer, ins, wm, &r.acc);
  return r;
}

}  // namespace

TEST_CASE("cycle model == direct convolution, golden engine and closed form on random layers", "[controller]") {
  const Dataflow df = GENERATE(Dataflow::WeightStationary, Dataflow::OutputStationary, Dataflow::InputStationary);
  const auto dims =
      GENERATE(std::pair{1, 1}, std::pair{2, 2}, std::pair{3, 5}, std::pair{4, 4}, std::pair{5, 3}, std::pair{8, 8});
  const int trial = GENERATE(range(0, 8));
  SplitMix64 r(
      derive_seed(derive_seed(0x5eed, uint64_t(df) * 1000 + uint64_t(dims.first * 10 + dims.second)), uint64_t(trial)));
  const ArchitectureParams arch = make_arch(dims.first, dims.second, df, r);
  const test::ConvShape s = test::random_shape(r);
  const int bits = test::uniform_int(r, 2, 8);
  const Network net = test::make_layer_network(s, bits, r.next());
  const std::vector<uint8_t> in = test::random_input(net, r.next());
  const Layer& L = net.layers[0];
  INFO("dataflow " << dataflow_name(df) << " array " << dims.first << "x" << dims.second << " bits " << bits << " M "
                   << L.gemm_m() << " K " << L.gemm_k() << " N " << L.gemm_n() << " groups " << L.groups << " banks "
                   << arch.weight_sram.banks << " word_bits " << arch.weight_sram.word_bits);

  WeightMemory wm(arch.weight_sram, net);
  wm.stats().reset();
  const CycleResult res = run_with_controller(arch, net, 0, {&in}, wm);

  // (1) every accumulator, by the definition
  const std::vector<int32_t> expect = test::direct_accumulators(net, in);
  const int64_t M = L.gemm_m(), N = L.gemm_n();
  int64_t mismatches = 0;
  for (int o = 0; o < L.out_channels; ++o)
    for (int64_t m = 0; m < M; ++m)
      if (res.acc[size_t(((o / N) * M + m) * N + o % N)] != expect[size_t(o * M + m)]) ++mismatches;
  CHECK(mismatches == 0);
  // (2) output codes, bit for bit with the golden engine
  CHECK(res.run.output == run_layer(net, 0, {&in}, L.weight.stored));
  // (3) cycles, stalls and every count equal the closed form
  const LayerTiming closed = test::expected_timing(arch, net, 0, in);
  CHECK(res.run.cycles == closed.cycles);
  CHECK(res.run.stall_cycles == closed.stall_cycles);
  CHECK(res.run.timing.fold_cycles == closed.fold_cycles);
  CHECK(res.run.timing.folds == closed.folds);
  CHECK(res.run.timing.counts == closed.counts);
  CHECK(res.run.timing == closed);
  CHECK(res.run.counts.macs() == L.macs());
  CHECK(wm.stats().word_reads == closed.weight_words_read);
  // SCALE-Sim relation: WS/IS per fold identical; OS adds the R-cycle drain per fold.
  const int64_t per_fold_ss = closed.fold_cycles - (df == Dataflow::OutputStationary ? arch.rows : 0);
  CHECK(closed.scalesim_cycles == closed.folds * per_fold_ss - 1);
}

TEST_CASE("closed-form fold cycles follow SCALE-Sim's convention", "[timing_model]") {
  ArchitectureParams a;
  a.rows = 4;
  a.cols = 3;
  a.dataflow = Dataflow::WeightStationary;
  CHECK(fold_cycles(a, 10) == 2 * 4 + 3 + 10 - 2);
  CHECK(scalesim_fold_cycles(a, a.dataflow, 10) == 2 * 4 + 3 + 10 - 2);
  a.dataflow = Dataflow::OutputStationary;
  CHECK(scalesim_fold_cycles(a, a.dataflow, 10) == 4 + 3 + 10 - 2);
  CHECK(fold_cycles(a, 10) == 4 + 3 + 10 - 2 + 4);
}

TEST_CASE("a 16x16 WS layer with partial folds: hand-counted cycles", "[timing_model]") {
  // GEMM M = 5, K = 20, N = 18 on 16x16: row tiles ceil(20/16) = 2, col tiles ceil(18/16) = 2,
  // 4 folds of 2*16 + 16 + 5 - 2 = 51 cycles.
  test::ConvShape s;
  s.cin = 20, s.h = 1, s.w = 5, s.cout = 18;
  Network net = test::make_layer_network(s, 8, 3);
  ArchitectureParams a;
  a.rows = a.cols = 16;
  a.weight_sram.banks = 16;
  a.weight_sram.word_bits = 64;
  a.post_processing_lanes = 16;
  const LayerTiming t = layer_timing(a, net, 0);
  CHECK(t.folds == 4);
  CHECK(t.fold_cycles == 51);
  CHECK(t.array_cycles == 204);
  // Fold 0: filters 0..15, k 0..15. Filter o's weights start at index 20o, 8 per 64-bit word, so
  // it needs words 20o/8 .. (20o+15)/8: words 0..39, 40 words over 16 banks (banks 0..7 hold 3)
  // with 1 port: 3 fetch cycles, never hidden. Later folds fetch at most 33 words (3 cycles)
  // while the previous 51-cycle fold runs.
  CHECK(t.stall_cycles == 3);
  CHECK(t.post_cycles == (5 * 18 + 15) / 16);
  CHECK(t.cycles == 3 + 204 + 6);
  CHECK(t.macs == 5 * 20 * 18);
  CHECK(t.mapping_efficiency == Approx(double(20 * 18) / (4 * 256)));
}

TEST_CASE("weights reach the PEs through read_word: faults change the result like the golden engine on read weights",
          "[controller]") {
  const Dataflow df = GENERATE(Dataflow::WeightStationary, Dataflow::OutputStationary, Dataflow::InputStationary);
  SplitMix64 r(derive_seed(77, uint64_t(df)));
  ArchitectureParams arch = make_arch(4, 3, df, r);
  test::ConvShape s;
  s.cin = 3, s.h = 5, s.w = 5, s.cout = 7, s.kh = s.kw = 3, s.ph = s.pw = 1;
  const Network net = test::make_layer_network(s, 6, 11);
  const std::vector<uint8_t> in = test::random_input(net, 12);
  WeightMemory wm(arch.weight_sram, net);
  std::vector<std::pair<WordAddress, WordFaultMasks>> faults;
  for (int64_t w = 0; w < wm.layout().words(0); w += 3) {
    WordFaultMasks m;
    m.xor_mask = r.next();
    faults.push_back({wm.layout().word_address(w), m});
  }
  wm.set_faults(faults);
  const std::vector<uint8_t> as_read = wm.read_layer(0);
  REQUIRE(as_read != net.layers[0].weight.stored);
  const LayerRun run = run_layer_cycle(arch, net, 0, {&in}, wm);
  CHECK(run.output == run_layer(net, 0, {&in}, as_read));
  CHECK(run.output != run_layer(net, 0, {&in}, net.layers[0].weight.stored));
}

TEST_CASE("SECDED: one decode per word read", "[controller]") {
  SplitMix64 r(5);
  ArchitectureParams arch = make_arch(3, 3, Dataflow::WeightStationary, r);
  arch.weight_sram.word_bits = 32;
  arch.weight_sram.ecc = "secded";
  test::ConvShape s;
  s.linear = true, s.cin = 40, s.cout = 9;
  const Network net = test::make_layer_network(s, 4, 1);
  const std::vector<uint8_t> in = test::random_input(net, 2);
  WeightMemory wm(arch.weight_sram, net);
  const LayerRun run = run_layer_cycle(arch, net, 0, {&in}, wm);
  CHECK(run.counts.ecc_decodes == run.counts.weight_sram_reads);
  CHECK(run.counts.weight_sram_reads > 0);
  CHECK(run.counts == test::expected_timing(arch, net, 0, in).counts);
}

TEST_CASE("every layer type of a small network: cycle model == golden engine, cycles == closed form", "[controller]") {
  const Dataflow df = GENERATE(Dataflow::WeightStationary, Dataflow::OutputStationary, Dataflow::InputStationary);
  const Network net = test::make_mini_network(99);
  SplitMix64 r(derive_seed(123, uint64_t(df)));
  const ArchitectureParams arch = make_arch(4, 5, df, r);
  WeightMemory wm(arch.weight_sram, net);
  const std::vector<uint8_t> in = test::random_input(net, 4);
  test::check_every_layer(arch, net, in, [&](int l, const std::vector<const std::vector<uint8_t>*>& ins) {
    return run_layer_cycle(arch, net, l, ins, wm);
  });
}

TEST_CASE("COMPUTE_REPORT.csv: SCALE-Sim's columns, one row per layer with weights", "[timing_model]") {
  const Network net = test::make_mini_network(3);
  ArchitectureParams a;
  a.rows = a.cols = 4;
  a.weight_sram.banks = 4;
  a.weight_sram.rows_per_bank = 1024;
  std::vector<LayerTiming> t;
  for (size_t l = 0; l < net.layers.size(); ++l) t.push_back(layer_timing(a, net, int(l)));
  std::ostringstream os;
  write_compute_report_csv(os, net, t);
  const std::string csv = os.str();
  CHECK(csv.rfind("LayerID, Total Cycles, Stall Cycles, Overall Util %, Mapping Efficiency %, Compute Util %,\n", 0) ==
        0);
  CHECK(std::count(csv.begin(), csv.end(), '\n') == 3);  // header + conv (layer 0) + linear (layer 6)
  CHECK(csv.find("\n0, " + std::to_string(t[0].array_cycles + t[0].stall_cycles) + ", " +
                 std::to_string(t[0].stall_cycles) + ", ") != std::string::npos);
  CHECK(csv.find("\n6, ") != std::string::npos);
}

TEST_CASE("layers in different dataflows (a per-layer mapping): cycle == golden, each layer timed as in its dataflow",
          "[controller][mapping]") {
  const Dataflow all[] = {Dataflow::WeightStationary, Dataflow::OutputStationary, Dataflow::InputStationary};
  const int conv_df = GENERATE(0, 1, 2), fc_df = GENERATE(0, 1, 2);
  const Network net = test::make_mini_network(77);
  SplitMix64 r(derive_seed(321, uint64_t(conv_df * 3 + fc_df)));
  ArchitectureParams arch = make_arch(4, 5, Dataflow::WeightStationary, r);
  arch.layer_dataflows.assign(net.layers.size(), Dataflow::WeightStationary);
  arch.layer_dataflows.front() = all[conv_df];  // the conv
  arch.layer_dataflows.back() = all[fc_df];     // the linear layer
  WeightMemory wm(arch.weight_sram, net);
  const std::vector<uint8_t> in = test::random_input(net, 8);
  test::check_every_layer(arch, net, in, [&](int l, const std::vector<const std::vector<uint8_t>*>& ins) {
    const LayerRun run = run_layer_cycle(arch, net, l, ins, wm);
    // Independently: the same layer on an architecture that runs every layer in its dataflow.
    ArchitectureParams single = arch;
    single.layer_dataflows.clear();
    single.dataflow = arch.dataflow_of(l);
    CHECK(run.timing.cycles == layer_timing(single, net, l).cycles);
    CHECK(run.timing.scalesim_cycles == layer_timing(single, net, l).scalesim_cycles);
    CHECK(run.counts.pe_register_bits_written == layer_timing(single, net, l).counts.pe_register_bits_written);
    return run;
  });
}
