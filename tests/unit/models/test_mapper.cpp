// The per-layer mapper (models/mapper.h) against a brute-force minimum written here: on random
// GEMM and conv shapes and array sizes (fixed seed), choose_dataflow over the supported dataflows
// equals the first of WS, OS, IS (in that order) whose layer_timing cycles are the smallest.
#include <catch2/catch.hpp>

#include <algorithm>

#include "common/errors.h"
#include "common/rng.h"
#include "models/mapper.h"
#include "models/timing_model.h"
#include "workloads/network/topology.h"

using namespace lvsim;

namespace {

ArchitectureParams mapper_arch(int rows, int cols) {
  ArchitectureParams a;
  a.name = "mapper-test";
  a.rows = rows;
  a.cols = cols;
  a.weight_sram.banks = 16;
  a.weight_sram.word_bits = 64;
  a.weight_sram.rows_per_bank = 1 << 16;
  a.input_buffer_bytes = a.output_buffer_bytes = 1 << 26;
  return a;
}

TopologyLayer random_shape(SplitMix64& r) {
  TopologyLayer t;
  t.name = "random";
  const bool gemm = r.next() % 2 == 0;
  if (gemm) {  // SCALE-Sim's GEMM row: ifmap M x K, filter 1 x K, one channel, N filters
    t.ifmap_h = 1 + int64_t(r.next() % 300);
    t.ifmap_w = t.filter_w = 1 + int64_t(r.next() % 300);
    t.filter_h = 1;
    t.channels = 1;
    t.num_filters = 1 + int64_t(r.next() % 300);
  } else {
    t.filter_h = t.filter_w = 1 + int64_t(r.next() % 5);
    t.ifmap_h = t.ifmap_w = t.filter_h + int64_t(r.next() % 30);
    t.channels = 1 + int64_t(r.next() % 64);
    t.num_filters = 1 + int64_t(r.next() % 128);
    t.stride = 1 + int64_t(r.next() % 2);
  }
  return t;
}

// Brute force: every dataflow in the tie order, the first with the smallest cycles.
Dataflow brute_force(ArchitectureParams a, const Network& net, const std::vector<Dataflow>& allowed) {
  const Dataflow order[] = {Dataflow::WeightStationary, Dataflow::OutputStationary, Dataflow::InputStationary};
  Dataflow best{};
  int64_t best_cycles = -1;
  for (Dataflow d : order) {
    if (std::find(allowed.begin(), allowed.end(), d) == allowed.end()) continue;
    a.dataflow = d;
    const int64_t c = layer_timing(a, net, 0).cycles;
    if (best_cycles < 0 || c < best_cycles) best = d, best_cycles = c;
  }
  return best;
}

}  // namespace

TEST_CASE("mapper: the chosen dataflow is the brute-force minimum of the closed-form cycles", "[mapper]") {
  SplitMix64 r(20261205);
  const std::vector<std::vector<Dataflow>> lists = {
      {Dataflow::InputStationary, Dataflow::WeightStationary, Dataflow::OutputStationary},
      {Dataflow::InputStationary, Dataflow::WeightStationary},
      {Dataflow::OutputStationary},
  };
  int non_ws = 0;
  for (int i = 0; i < 300; ++i) {
    const int dims[] = {4, 8, 16, 32, 128};
    ArchitectureParams a = mapper_arch(dims[r.next() % 5], dims[r.next() % 5]);
    a.supported_dataflows = lists[size_t(i) % lists.size()];
    const Network net = topology_layer_network(random_shape(r), "test_mapper.cpp");
    const Dataflow got = choose_dataflow(a, net, 0, MappingObjective::Cycles);
    INFO("case " << i);
    CHECK(got == brute_force(a, net, a.supported_dataflows));
    non_ws += got != Dataflow::WeightStationary;
  }
  CHECK(non_ws > 30);  // the shapes exercise the choice, not just the default
}

TEST_CASE("mapper: ties go to WS before OS before IS, and no list means the architecture's dataflow", "[mapper]") {
  ArchitectureParams a = mapper_arch(8, 8);
  const Dataflow order[] = {Dataflow::WeightStationary, Dataflow::OutputStationary, Dataflow::InputStationary};
  int ties = 0;
  for (int64_t m = 1; m <= 24; ++m)  // GEMMs M x K x N with two dataflows taking equal cycles
    for (int64_t k : {8, 16}) {
      const Network net = topology_layer_network(TopologyLayer{"g", m, k, 1, k, 1, 8, 1}, "test_mapper.cpp");
      for (int i = 0; i < 3; ++i)
        for (int j = i + 1; j < 3; ++j) {
          a.dataflow = order[i];
          const int64_t first = layer_timing(a, net, 0).cycles;
          a.dataflow = order[j];
          if (layer_timing(a, net, 0).cycles != first) continue;
          ++ties;
          a.supported_dataflows = {order[j], order[i]};  // listed later-first: the order must not matter
          CHECK(choose_dataflow(a, net, 0, MappingObjective::Cycles) == order[i]);
        }
    }
  CHECK(ties > 0);
  a.supported_dataflows.clear();
  a.dataflow = Dataflow::InputStationary;
  const Network net = topology_layer_network(TopologyLayer{"g", 64, 64, 1, 64, 1, 64, 1}, "test_mapper.cpp");
  CHECK(choose_dataflow(a, net, 0, MappingObjective::Cycles) == Dataflow::InputStationary);
}

TEST_CASE("mapper: energy and EDP objectives are refused with a message", "[mapper]") {
  ArchitectureParams a = mapper_arch(8, 8);
  const Network net = topology_layer_network(TopologyLayer{"g", 16, 16, 1, 16, 1, 16, 1}, "test_mapper.cpp");
  CHECK_THROWS_AS(choose_dataflow(a, net, 0, MappingObjective::Energy), ConfigError);
  CHECK_THROWS_WITH(choose_dataflow(a, net, 0, MappingObjective::Edp), Catch::Contains("only 'cycles'"));
}
