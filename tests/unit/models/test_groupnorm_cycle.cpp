// A groupnorm on the cycle-level controller and post-processing unit: every output against the
// golden engine (itself tested against an independent implementation in test_groupnorm.cpp), the
// measured timing and counts against the closed form and against the schedule worked out here
// (parameter fetch, statistics pass, one reciprocal square root per group, normalization pass),
// parameters in the weight SRAM (faults apply) or in the protected register file.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

#include "memory/weight_memory.h"
#include "models/controller.h"
#include "models/timing_model.h"
#include "tests/support/groupnorm_test_util.h"
#include "tests/support/models_test_util.h"
#include "workloads/inference/fast_inference.h"
#include "workloads/inference/reference_inference.h"
#include "workloads/network/network_finalize.h"

using namespace lvsim;
using namespace lvsim::gn_test;

namespace {

ArchitectureParams random_arch(std::mt19937_64& rng) {
  ArchitectureParams a;
  a.name = "test";
  a.rows = pick(rng, 1, 8);
  a.cols = pick(rng, 1, 8);
  const int banks[] = {1, 2, 3, 4, 16};
  const int words[] = {8, 16, 32, 64, 24};
  a.weight_sram.banks = banks[pick(rng, 0, 4)];
  a.weight_sram.word_bits = words[pick(rng, 0, 4)];
  a.weight_sram.read_ports_per_bank = pick(rng, 1, 2);
  a.weight_sram.rows_per_bank = 1 << 12;
  a.post_processing_lanes = pick(rng, 1, 8);
  a.input_buffer_bytes = a.output_buffer_bytes = 1 << 20;
  return a;
}

int64_t ceil_div(int64_t a, int64_t b) {
  return (a + b - 1) / b;
}

}  // namespace

TEST_CASE("groupnorm cycle model == golden engine and closed form, parameters in SRAM or registers",
          "[groupnorm][controller]") {
  const int trial = GENERATE(range(0, 40));
  const bool in_sram = GENERATE(true, false);
  std::mt19937_64 rng(uint64_t(4400 + trial));
  const ArchitectureParams arch = random_arch(rng);
  Network net = random_groupnorm_net(rng);
  net.norm_params_in_sram = in_sram;
  finalize_network(net);
  const Layer& L = net.layers[0];
  const std::vector<uint8_t> in = random_codes(rng, L.in_shape, trial);
  WeightMemory wm(arch.weight_sram, net);
  const LayerRun run = test::run_layer_per_cycle(arch, net, 0, {&in}, wm);
  INFO("trial " << trial << " sram " << in_sram << " C " << L.in_shape.c << " G " << L.groups);
  CHECK(run.output == run_layer(net, 0, {&in}, L.weight.stored));
  CHECK(run.timing == layer_timing(arch, net, 0));
  // The schedule by hand: parameter words spread over the banks from word 0, read `ports` per
  // bank per cycle; two passes of ceil(E / lanes) and 80 cycles per group.
  const int64_t E = L.in_shape.size(), per_word = arch.weight_sram.word_bits / L.weight.bits;
  const int64_t words = in_sram ? ceil_div(2 * L.in_shape.c, per_word) : 0;
  const int64_t busiest = ceil_div(words, arch.weight_sram.banks);
  const int64_t fetch = ceil_div(busiest, arch.weight_sram.read_ports_per_bank);
  CHECK(run.timing.stall_cycles == fetch);
  CHECK(run.timing.post_cycles == 2 * ceil_div(E, arch.post_processing_lanes) + L.groups * 80);
  CHECK(run.cycles == fetch + run.timing.post_cycles);
  CHECK(run.counts.weight_sram_reads == words);
  CHECK(run.counts.input_buffer_reads == 2 * E);
  CHECK(run.counts.input_buffer_writes == E);
  CHECK(run.counts.norm_stat_ops == E);
  CHECK(run.counts.rsqrt_ops == L.groups);
  CHECK(run.counts.norm_ops == E);
  CHECK(run.counts.post_ops == 0);
  CHECK(run.counts.macs() == 0);
}

TEST_CASE("groupnorm parameters in the weight SRAM see its faults; in the register file they do not",
          "[groupnorm][controller]") {
  const int trial = GENERATE(range(0, 12));
  std::mt19937_64 rng(uint64_t(5100 + trial));
  const ArchitectureParams arch = random_arch(rng);
  Network net = random_groupnorm_net(rng);
  finalize_network(net);
  const Layer& L = net.layers[0];
  const std::vector<uint8_t> in = random_codes(rng, L.in_shape, 0);
  WeightMemory wm(arch.weight_sram, net);
  std::vector<std::pair<WordAddress, WordFaultMasks>> faults;
  for (int64_t w = 0; w < wm.layout().words(0); ++w) {
    WordFaultMasks m;
    m.xor_mask = rng();
    faults.push_back({wm.layout().word_address(w), m});
  }
  wm.set_faults(faults);
  const std::vector<uint8_t> as_read = wm.read_layer(0);
  REQUIRE(as_read != L.weight.stored);
  // Predicted: the golden engine on the parameters as read; the fast path agrees.
  const std::vector<uint8_t> expected = run_layer(net, 0, {&in}, as_read);
  const LayerRun run = test::run_layer_per_cycle(arch, net, 0, {&in}, wm);
  CHECK(run.output == expected);
  LayerWeights w = stored_weights(net);
  w[0] = as_read;
  std::vector<uint8_t> pixels(size_t(L.in_shape.size()));
  for (auto& p : pixels) p = uint8_t(pick(rng, 0, 255));
  CHECK(FastInference(net, w).run_all_layers(pixels.data())[0] == run_all_layers(net, pixels.data(), w)[0]);

  // The register file: no SRAM words for the layer, the stored parameters, no fetch.
  Network protected_net = net;
  protected_net.norm_params_in_sram = false;
  WeightMemory wm2(arch.weight_sram, protected_net);
  CHECK(wm2.layout().words(0) == 0);
  const LayerRun clean = test::run_layer_per_cycle(arch, protected_net, 0, {&in}, wm2);
  CHECK(clean.output == run_layer(net, 0, {&in}, L.weight.stored));
  CHECK(clean.counts.weight_sram_reads == 0);
  CHECK(clean.timing.stall_cycles == 0);
}
