// The sensitivity map's core against an independent oracle: a scope's faults are recomputed here
// from the chip's fault map itself (only the words, or only the cells holding bit b, of the scope
// kept; a fresh weight memory reads them) and its accuracy and RErr counted image by image from
// the golden reference engine; the core keeps the faults at weight level and runs the fast path.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "common/errors.h"
#include "common/rng.h"
#include "memory/fault_source.h"
#include "memory/weight_memory.h"
#include "models/weights_as_read.h"
#include "sim/study/sensitivity.h"
#include "tests/support/models_test_util.h"
#include "workloads/inference/reference_inference.h"

using namespace lvsim;

namespace {

struct Fixture {
  Network net = test::make_mini_network(33);  // conv (8-bit patterns) ... linear (5-bit)
  ArchitectureParams arch;
  Dataset test;
  LayerWeights stored;
  std::vector<int> clean;
  std::vector<std::pair<WordAddress, WordFaultMasks>> faults;  // one chip's map

  Fixture() {
    arch.rows = arch.cols = 4;
    arch.weight_sram.banks = 4;
    arch.weight_sram.rows_per_bank = 1024;
    stored = stored_weights(net);
    test.count = 60;
    test.image_shape = net.input_shape;
    SplitMix64 r(8);
    test.pixels.resize(size_t(test.count * net.input_shape.size()));
    for (auto& p : test.pixels) p = uint8_t(r.next());
    clean = predict(net, test.pixels.data(), test.count, stored, 2);
    // Labels: the clean prediction, one image in five another class (so RErr != 1 - accuracy).
    for (int64_t i = 0; i < test.count; ++i)
      test.labels.push_back(uint8_t(i % 5 == 0 ? (clean[size_t(i)] + 1) % 10 : clean[size_t(i)]));
    RateFaultParams rp;
    FaultSource src = FaultSource::rate(rp, fault_geometry(arch.weight_sram), 5, "test");
    faults = src.faults_at(0.01).word_faults();
  }

  /// The weights as read with `kept` faults only, through a fresh weight memory.
  LayerWeights read_with(std::vector<std::pair<WordAddress, WordFaultMasks>> kept) const {
    WeightMemory wm(arch.weight_sram, net);
    wm.set_faults(std::move(kept));
    WeightReadCounts c;
    return read_all_weights(net, wm, c);
  }

  /// Accuracy counted image by image with the reference engine: (correct, wrong clean or faulty).
  std::pair<int64_t, int64_t> count(const LayerWeights& w) const {
    const std::vector<int> p = predict(net, test.pixels.data(), test.count, w, 2);
    int64_t correct = 0, robust_wrong = 0;
    for (int64_t i = 0; i < test.count; ++i) {
      const bool ok = p[size_t(i)] == test.labels[size_t(i)];
      correct += ok;
      robust_wrong += !ok || clean[size_t(i)] != test.labels[size_t(i)];
    }
    return {correct, robust_wrong};
  }

  ScopeEvaluation evaluation() const { return {RunMode::Fast, &arch, &net, &stored, &clean, &test, 2}; }
};

/// The map's faults inside layer `layer`'s words only.
std::vector<std::pair<WordAddress, WordFaultMasks>> layer_faults(const Fixture& f, int layer) {
  WeightMemory wm(f.arch.weight_sram, f.net);
  std::vector<std::pair<WordAddress, WordFaultMasks>> out;
  for (const auto& [a, m] : f.faults) {
    for (int64_t g = wm.layout().first_word(layer); g < wm.layout().first_word(layer) + wm.layout().words(layer); ++g)
      if (wm.layout().word_address(g) == a) out.push_back({a, m});
  }
  return out;
}

/// The map's faults in the cells that hold bit `bit` of some weight (data cells only; no ECC here).
std::vector<std::pair<WordAddress, WordFaultMasks>> bit_faults(const Fixture& f, int bit) {
  WeightMemory wm(f.arch.weight_sram, f.net);
  const WeightLayout& lay = wm.layout();
  std::vector<std::pair<WordAddress, uint64_t>> keep;  // per word: the cells holding bit `bit`
  for (size_t l = 0; l < f.net.layers.size(); ++l) {
    if (!f.net.layers[l].has_weights() || f.net.layers[l].weight.bits <= bit) continue;
    for (int64_t i = 0; i < int64_t(f.net.layers[l].weight.stored.size()); ++i) {
      const WordAddress a = lay.word_address(lay.global_word(int(l), i));
      const uint64_t cell = uint64_t(1) << (lay.locate(int(l), i).bit + bit);
      auto it = std::find_if(keep.begin(), keep.end(), [&](const auto& k) { return k.first == a; });
      if (it == keep.end())
        keep.push_back({a, cell});
      else
        it->second |= cell;
    }
  }
  std::vector<std::pair<WordAddress, WordFaultMasks>> out;
  for (const auto& [a, m] : f.faults)
    for (const auto& [ka, cells] : keep)
      if (ka == a) {
        WordFaultMasks k;
        k.and_mask = m.and_mask | ~cells;
        k.or_mask = m.or_mask & cells;
        k.xor_mask = m.xor_mask & cells;
        out.push_back({a, k});
      }
  return out;
}

}  // namespace

TEST_CASE("sensitivity: scopes cover all, each weight layer, each bit of the widest pattern", "[sensitivity]") {
  const Network net = test::make_mini_network(33);
  const auto both = sensitivity_scopes(net, SensitivityBy::Both);
  REQUIRE(both.size() == 1 + 2 + 8);  // conv and linear; 8-bit conv patterns
  CHECK(both[0].kind == SensitivityScope::Kind::All);
  CHECK(both[1].layer == 0);
  CHECK(both[2].layer == int(net.layers.size()) - 1);
  CHECK(both[3].bit == 0);
  CHECK(both[10].bit == 7);
  CHECK(sensitivity_scopes(net, SensitivityBy::Layer).size() == 3);
  CHECK(sensitivity_scopes(net, SensitivityBy::Bit).size() == 9);
  const int64_t conv = int64_t(net.layers[0].weight.stored.size()),
                fc = int64_t(net.layers.back().weight.stored.size());
  CHECK(scope_bits_stored(net, both[0]) == conv * 8 + fc * 5);
  CHECK(scope_bits_stored(net, both[2]) == fc * 5);
  CHECK(scope_bits_stored(net, both[3 + 4]) == conv + fc);  // bit 4: both layers
  CHECK(scope_bits_stored(net, both[3 + 5]) == conv);       // bit 5: the 8-bit conv only
}

TEST_CASE("sensitivity: each scope equals the fault map restricted to it, recomputed independently", "[sensitivity]") {
  const Fixture f;
  const LayerWeights faulty = f.read_with(f.faults);
  const auto scopes = sensitivity_scopes(f.net, SensitivityBy::Both);
  const std::vector<ScopeChipResult> got = evaluate_scopes(f.evaluation(), faulty, scopes);
  REQUIRE(got.size() == scopes.size());
  int64_t layer_bits = 0, bit_bits = 0;
  for (size_t s = 0; s < scopes.size(); ++s) {
    const SensitivityScope& sc = scopes[s];
    const auto kept = sc.kind == SensitivityScope::Kind::All     ? f.faults
                      : sc.kind == SensitivityScope::Kind::Layer ? layer_faults(f, sc.layer)
                                                                 : bit_faults(f, sc.bit);
    const LayerWeights expect_w = f.read_with(kept);
    CHECK(weights_in_scope(f.net, f.stored, faulty, sc) == expect_w);
    const auto [correct, robust_wrong] = f.count(expect_w);
    INFO("scope " << scope_kind_name(sc.kind) << " layer " << sc.layer << " bit " << sc.bit);
    CHECK(got[s].correct == correct);
    CHECK(got[s].robust_wrong == robust_wrong);
    if (sc.kind == SensitivityScope::Kind::Layer) layer_bits += got[s].bit_errors;
    if (sc.kind == SensitivityScope::Kind::Bit) bit_bits += got[s].bit_errors;
  }
  CHECK(got[0].bit_errors > 20);                    // the faults are there ...
  CHECK(got[0].correct < f.count(f.stored).first);  // ... and cost accuracy
  CHECK(got[1].correct != got[2].correct);          // the layers differ
  CHECK(layer_bits == got[0].bit_errors);           // the scopes partition the wrong bits
  CHECK(bit_bits == got[0].bit_errors);
}

TEST_CASE("sensitivity: a scope without wrong bits is the clean network, and rows summarize the chips",
          "[sensitivity]") {
  const Fixture f;
  const auto scopes = sensitivity_scopes(f.net, SensitivityBy::Layer);
  const std::vector<ScopeChipResult> clean = evaluate_scopes(f.evaluation(), f.stored, scopes);
  const auto [correct, robust_wrong] = f.count(f.stored);
  for (const ScopeChipResult& r : clean) {
    CHECK(r.correct == correct);
    CHECK(r.robust_wrong == robust_wrong);
    CHECK(r.bit_errors == 0);
  }
  // Two chips by hand: accuracies 0.5 and 0.7 of 10 images; RErr 0.6 and 0.4.
  std::vector<std::vector<ScopeChipResult>> per_chip(2, std::vector<ScopeChipResult>(scopes.size()));
  per_chip[0][1] = {5, 6, 10, 9};
  per_chip[1][1] = {7, 4, 30, 20};
  const auto rows = summarize_scopes(f.net, scopes, per_chip, 10);
  CHECK(rows[1].layer_name == f.net.layers[0].name);
  CHECK(rows[1].accuracy.mean == Approx(0.6));
  CHECK(rows[1].accuracy.std == Approx(std::sqrt(0.02)));
  CHECK(rows[1].robust_error.mean == Approx(0.5));
  CHECK(rows[1].bit_errors_mean == 20);
  CHECK(rows[1].weights_changed_mean == Approx(14.5));
  CHECK(rows[0].layer_name == "all");
}

TEST_CASE("sensitivity: one network, one value, persistent faults, fast or golden", "[sensitivity]") {
  SensitivitySpec sp;
  sp.study.networks = {{"", "net.json"}};
  sp.study.data_dir = "data";
  sp.study.values = {0.8};
  sp.study.chip_seeds = {1, 2};
  CHECK_NOTHROW(sp.validate("x"));
  sp.study.values = {0.8, 0.7};
  CHECK_THROWS_WITH(sp.validate("x"), Catch::Contains("one operating point"));
  sp.study.values = {0.8};
  sp.study.mode = RunMode::Cycle;
  CHECK_THROWS_WITH(sp.validate("x"), Catch::Contains("--mode"));
  sp.study.mode = RunMode::Golden;
  sp.study.networks.push_back({"b", "b.json"});
  CHECK_THROWS_WITH(sp.validate("x"), Catch::Contains("--network"));
  CHECK_THROWS_AS(sensitivity_by_from_name("layers", "--by"), ConfigError);
}
