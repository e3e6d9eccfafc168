// The per-layer mapper (models/mapper.h) against a brute-force minimum written here: on random
// GEMM and conv shapes and array sizes (fixed seed), choose_dataflow over the supported dataflows
// equals the first of WS, OS, IS (in that order) whose objective (layer_timing cycles, the
// energy of its counts at the nominal point, or their product) is the smallest; and the
// architecture file's array.dataflows / array.mapping_objective keys.
#include <catch2/catch.hpp>

#include <algorithm>

#include "common/errors.h"
#include "common/json_reader.h"
#include "common/rng.h"
#include "energy/operating_point.h"
#include "energy/technology.h"
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

// Brute force: every dataflow in the tie order, the first with the smallest objective (energy:
// the layer's counts costed at the technology's nominal voltages and the array's clock).
Dataflow brute_force(ArchitectureParams a, const Network& net, const std::vector<Dataflow>& allowed,
                     MappingObjective objective = MappingObjective::Cycles, const EnergyModel* em = nullptr) {
  const Dataflow order[] = {Dataflow::WeightStationary, Dataflow::OutputStationary, Dataflow::InputStationary};
  Dataflow best{};
  double best_value = -1;
  for (Dataflow d : order) {
    if (std::find(allowed.begin(), allowed.end(), d) == allowed.end()) continue;
    a.dataflow = d;
    const LayerTiming t = layer_timing(a, net, 0);
    double value = double(t.cycles);
    if (objective != MappingObjective::Cycles) {
      const OperatingPoint n = nominal_operating_point(em->technology());
      const OperatingPoint op =
          make_operating_point(em->technology(), n.v_sram_v, n.v_logic_v, ClockMode::kFixed, a.clock_hz);
      const double e = em->breakdown(t.counts, op).total_pj();
      value = objective == MappingObjective::Energy ? e : e * double(t.cycles);
    }
    if (best_value < 0 || value < best_value) best = d, best_value = value;
  }
  return best;
}

TechnologyParams tech45() {
  return TechnologyParams::from_json_file(std::string(LVSIM_SOURCE_DIR) + "/presets/tech/45nm.json");
}

ArchitectureParams arch_from_text(const std::string& array) {
  const nlohmann::json j = nlohmann::json::parse(
      R"({"array": )" + array +
      R"(, "pe": {"weight_bits_max": 8}, "weight_sram": {"banks": 16, "rows_per_bank": 4096, "word_bits": 64,
          "ecc": "none"}, "input_buffer_bytes": 65536, "output_buffer_bytes": 65536, "post_processing_lanes": 16,
          "clock_hz": 5e8})");
  JsonObject o(j, "arch.json", "");
  return ArchitectureParams::from_json(o);
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

TEST_CASE("mapper: energy and EDP objectives are the brute-force minimum of the costed counts", "[mapper]") {
  const TechnologyParams tech = tech45();
  SplitMix64 r(20261206);
  const std::vector<Dataflow> all = {Dataflow::WeightStationary, Dataflow::OutputStationary, Dataflow::InputStationary};
  int differs_from_cycles = 0;
  for (int i = 0; i < 120; ++i) {
    const int dims[] = {4, 8, 16, 32, 128};
    ArchitectureParams a = mapper_arch(dims[r.next() % 5], dims[r.next() % 5]);
    a.supported_dataflows = all;
    const EnergyModel em(tech, energy_hardware(a));
    const Network net = topology_layer_network(random_shape(r), "test_mapper.cpp");
    INFO("case " << i);
    for (MappingObjective o : {MappingObjective::Energy, MappingObjective::Edp}) {
      const Dataflow got = choose_dataflow(a, net, 0, o, &em);
      CHECK(got == brute_force(a, net, all, o, &em));
      differs_from_cycles += got != choose_dataflow(a, net, 0, MappingObjective::Cycles);
    }
  }
  CHECK(differs_from_cycles > 0);  // the objective decides, not only the cycles
}

TEST_CASE("mapper: energy objectives without an energy model are refused with a message", "[mapper]") {
  ArchitectureParams a = mapper_arch(8, 8);
  const Network net = topology_layer_network(TopologyLayer{"g", 16, 16, 1, 16, 1, 16, 1}, "test_mapper.cpp");
  CHECK_THROWS_AS(choose_dataflow(a, net, 0, MappingObjective::Energy), ConfigError);
  CHECK_THROWS_WITH(choose_dataflow(a, net, 0, MappingObjective::Edp), Catch::Contains("needs the technology"));
  a.supported_dataflows = {Dataflow::WeightStationary, Dataflow::InputStationary};
  a.mapping_objective = MappingObjective::Energy;
  CHECK_THROWS_WITH(map_layers(a, net, nullptr), Catch::Contains("needs a technology"));
}

TEST_CASE("mapper: map_layers gives every layer the choice of choose_dataflow, only when several are supported",
          "[mapper]") {
  Network net = topology_layer_network(TopologyLayer{"a", 128, 1024, 1, 1024, 1, 1024, 1}, "test_mapper.cpp");
  const Network second = topology_layer_network(TopologyLayer{"b", 4096, 64, 1, 64, 1, 16, 1}, "test_mapper.cpp");
  net.layers.push_back(second.layers.front());
  ArchitectureParams a = mapper_arch(32, 32);
  CHECK(map_layers(a, net, nullptr).layer_dataflows.empty());  // one dataflow: nothing to map
  a.supported_dataflows = {Dataflow::WeightStationary};
  CHECK(map_layers(a, net, nullptr).layer_dataflows.empty());
  a.supported_dataflows = {Dataflow::WeightStationary, Dataflow::OutputStationary, Dataflow::InputStationary};
  const ArchitectureParams m = map_layers(a, net, nullptr);
  REQUIRE(m.layer_dataflows.size() == 2);
  for (int l = 0; l < 2; ++l) {
    Network one;
    one.layers = {net.layers[size_t(l)]};
    CHECK(m.dataflow_of(l) == brute_force(a, one, a.supported_dataflows));
  }
  CHECK(m.dataflow_of(0) != m.dataflow_of(1));  // the two shapes want different dataflows
}

TEST_CASE("architecture: array.dataflows and array.mapping_objective", "[mapper][architecture]") {
  const ArchitectureParams one = arch_from_text(R"({"rows": 8, "cols": 8, "dataflow": "input_stationary"})");
  CHECK(one.dataflow == Dataflow::InputStationary);
  CHECK(!one.maps_layers());
  const ArchitectureParams two = arch_from_text(
      R"({"rows": 8, "cols": 8, "dataflows": ["input_stationary", "weight_stationary"], "mapping_objective": "edp"})");
  CHECK(two.maps_layers());
  CHECK(two.supported_dataflows == std::vector<Dataflow>{Dataflow::WeightStationary, Dataflow::InputStationary});
  CHECK(two.dataflow == Dataflow::WeightStationary);
  CHECK(two.mapping_objective == MappingObjective::Edp);
  CHECK(arch_from_text(R"({"rows": 8, "cols": 8, "dataflows": ["output_stationary"]})").dataflow ==
        Dataflow::OutputStationary);
  const auto error = [](const std::string& array) {
    try {
      arch_from_text(array);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK_THAT(error(R"({"rows": 8, "cols": 8, "dataflow": "weight_stationary", "dataflows": ["weight_stationary"]})"),
             Catch::Contains("arch.json") && Catch::Contains("array.dataflow") && Catch::Contains("not both"));
  CHECK_THAT(error(R"({"rows": 8, "cols": 8, "dataflows": []})"), Catch::Contains("array.dataflows"));
  CHECK_THAT(error(R"({"rows": 8, "cols": 8, "dataflows": ["row_stationary"]})"),
             Catch::Contains("array.dataflows") && Catch::Contains("row_stationary"));
  CHECK_THAT(error(R"({"rows": 8, "cols": 8, "dataflows": ["weight_stationary", "weight_stationary"]})"),
             Catch::Contains("listed twice"));
  CHECK_THAT(error(R"({"rows": 8, "cols": 8, "dataflow": "weight_stationary", "mapping_objective": "cycles"})"),
             Catch::Contains("array.mapping_objective") && Catch::Contains("needs array.dataflows"));
  CHECK_THAT(error(R"({"rows": 8, "cols": 8, "dataflows": ["weight_stationary"], "mapping_objective": "area"})"),
             Catch::Contains("array.mapping_objective"));
}
