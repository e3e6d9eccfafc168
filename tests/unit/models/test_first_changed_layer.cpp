// first_changed_layer: the layer a partial re-run of a study point starts at. Single bit faults are
// placed in the weight SRAM at the cells of chosen weights (through the layout, not through the
// weights as read); the expected first changed layer is the lowest layer a fault was placed in,
// against the stored weights and against an earlier, nested fault set.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "common/rng.h"
#include "memory/weight_memory.h"
#include "models/weights_as_read.h"
#include "workloads/inference/reference_inference.h"
#include "workloads/network/network_json.h"

using namespace lvsim;

namespace {

struct PlacedFault {
  int layer = 0;
  int64_t index = 0;
  int bit = 0;
};

/// One flipped cell per placed fault, at the bit of its weight.
std::vector<std::pair<WordAddress, WordFaultMasks>> masks(const WeightMemory& wm, const std::vector<PlacedFault>& fs) {
  std::vector<std::pair<WordAddress, WordFaultMasks>> out;
  for (const PlacedFault& f : fs) {
    const WeightLocation at = wm.layout().locate(f.layer, f.index);
    WordFaultMasks m;
    m.xor_mask = uint64_t(1) << (at.bit + f.bit);
    out.push_back({WordAddress{at.bank, at.row}, m});
  }
  return out;
}

/// A random weight (or groupnorm parameter) of a layer with parameters in the weight SRAM, from `min_layer` on.
PlacedFault random_fault(const Network& net, SplitMix64& r, int min_layer) {
  for (;;) {
    const int l = min_layer + int(r.next() % uint64_t(int(net.layers.size()) - min_layer));
    const Layer& L = net.layers[size_t(l)];
    if (!L.has_parameters() || !net.params_in_weight_sram(L)) continue;
    return {l, int64_t(r.next() % L.weight.stored.size()), int(r.next() % uint64_t(L.weight.bits))};
  }
}

int lowest_layer(const std::vector<PlacedFault>& fs, int none) {
  int l = none;
  for (const PlacedFault& f : fs) l = std::min(l, f.layer);
  return l;
}

}  // namespace

TEST_CASE("first_changed_layer: the lowest layer holding a placed fault", "[weights_as_read][resume]") {
  const Network net =
      load_network_json(std::string(LVSIM_SOURCE_DIR) + "/workloads/networks/fmnist-simplenet-normal-q8.json");
  const int layers = int(net.layers.size());
  WeightSramParams p;
  p.rows_per_bank = 8192;
  WeightMemory wm(p, net);
  const LayerWeights stored = stored_weights(net);
  CHECK(first_changed_layer(stored, stored) == layers);
  SplitMix64 r(GENERATE(1, 2, 3, 4, 5));
  for (int trial = 0; trial < 20; ++trial) {
    // A first set, then a nested second one with faults only from some layer on (as a chain's next
    // voltage adds failing cells).
    std::vector<PlacedFault> first;
    for (int k = 0, n = int(r.next() % 4); k < n; ++k) first.push_back(random_fault(net, r, 0));
    const int from = int(r.next() % uint64_t(layers));
    std::vector<PlacedFault> added;
    for (int k = 0, n = 1 + int(r.next() % 3); k < n; ++k) added.push_back(random_fault(net, r, from));
    std::vector<PlacedFault> both = first;
    both.insert(both.end(), added.begin(), added.end());
    // A cell placed twice would cancel (and one word's masks must touch disjoint cells): such a
    // draw is skipped rather than predicted.
    bool twice = false;
    for (size_t i = 0; i < both.size(); ++i)
      for (size_t j = i + 1; j < both.size(); ++j)
        twice =
            twice || (both[i].layer == both[j].layer && both[i].index == both[j].index && both[i].bit == both[j].bit);
    if (twice) continue;
    INFO("trial " << trial << ": " << first.size() << " faults, then " << added.size() << " from layer " << from);
    WeightReadCounts fr;
    wm.set_faults(masks(wm, first));
    const LayerWeights w1 = read_all_weights(net, wm, fr);
    wm.set_faults(masks(wm, both));
    const LayerWeights w2 = read_all_weights(net, wm, fr);
    CHECK(first_changed_layer(w1, stored) == lowest_layer(first, layers));
    CHECK(first_changed_layer(w2, stored) == lowest_layer(both, layers));
    CHECK(first_changed_layer(w2, w1) == lowest_layer(added, layers));
    CHECK(first_changed_layer(w1, w2) == lowest_layer(added, layers));  // symmetric
  }
  CHECK_THROWS_AS(first_changed_layer(stored, LayerWeights(1)), std::invalid_argument);
}
