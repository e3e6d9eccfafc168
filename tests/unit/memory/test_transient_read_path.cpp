// Transient read errors through the weight SRAM read path: keyed by (image, layer), identical for
// read_word + extract (cycle path) and read_layer (fast path), on top of persistent faults.
#include <catch2/catch.hpp>

#include <bit>
#include <cmath>

#include "memory/transient_read_errors.h"
#include "memory/weight_memory.h"
#include "memory_test_util.h"

using namespace lvsim;

namespace {

std::vector<uint8_t> read_by_words(WeightMemory& wm, int layer) {
  std::vector<uint8_t> out;
  const int64_t n = wm.layout().weight_count(layer);
  for (int64_t i = 0; i < n; ++i) {
    const WeightLocation loc = wm.layout().locate(layer, i);
    out.push_back(wm.extract(layer, i, wm.read_word(WordAddress{loc.bank, loc.row})));
  }
  return out;
}

}  // namespace

TEST_CASE("transient errors: word path equals layer path, fresh per image and layer", "[memory][transient]") {
  const std::string ecc = GENERATE(std::string("none"), std::string("secded"));
  const Network net = test::make_weight_net({{8, 20000}, {4, 9000}}, 11);
  WeightSramParams p;
  p.banks = 4;
  p.rows_per_bank = 4096;
  p.word_bits = 32;
  p.ecc = ecc;
  WeightMemory wm(p, net);
  // A persistent stuck-at-1 cell too, so both kinds combine.
  WordFaultMasks stuck;
  stuck.or_mask = 1u << 3;
  wm.set_faults({{WordAddress{1, 2}, stuck}});
  const double rate = 0.01;
  TransientReadErrors tr(rate, fault_geometry(p), 99);
  wm.set_transient(&tr);

  for (int layer : {0, 1}) {
    wm.set_read_context(3, layer);
    const auto a = wm.read_layer(layer);
    const auto b = read_by_words(wm, layer);
    CHECK(a == b);
    wm.set_read_context(3, layer);
    CHECK(wm.read_layer(layer) == a);  // keyed, not sequenced: the same context reads the same
    wm.set_read_context(4, layer);
    CHECK(wm.read_layer(layer) != a);  // another image sees other flips
  }

  if (ecc == "none") {
    // Flipped weight bits over many images: rate within 4 sigma of the configured one (no ECC, so
    // every cell flip of a stored bit is a weight bit error; bits of unused word tails excluded).
    const auto& stored = net.layers[0].weight.stored;
    int64_t flips = 0, bits = 0;
    for (int image = 0; image < 20; ++image) {
      wm.set_read_context(image, 0);
      const auto w = wm.read_layer(0);
      for (size_t i = 0; i < w.size(); ++i) flips += std::popcount(unsigned(w[i] ^ stored[i]));
      bits += int64_t(w.size()) * 8;
    }
    // The one stuck-at-1 cell adds at most one error per image.
    const double expected = rate * double(bits), sigma = std::sqrt(expected * (1 - rate));
    CHECK(std::abs(double(flips) - expected) < 4 * sigma + 20);
  } else {
    // With SECDED single flips per 39-bit word are corrected; only the ~5.8% of words with two or
    // more flips (1 - 0.99^39 - 39*0.01*0.99^38) keep errors. Unprotected, 1 - 0.99^8 = 7.7% of the
    // 8-bit weights would be wrong; protected, well under half of that.
    wm.stats().reset();
    wm.set_read_context(7, 0);
    const auto w = wm.read_layer(0);
    int64_t wrong = 0;
    for (size_t i = 0; i < w.size(); ++i) wrong += w[i] != net.layers[0].weight.stored[i];
    CHECK(wm.stats().ecc_corrected > 0);
    CHECK(double(wrong) < 0.5 * (1 - std::pow(0.99, 8)) * double(w.size()));
    CHECK(wrong > 0);
  }

  wm.set_transient(nullptr);
  wm.set_read_context(3, 0);
  const auto persistent_only = wm.read_layer(0);
  wm.set_read_context(4, 0);
  CHECK(wm.read_layer(0) == persistent_only);  // without transients, reads do not depend on context
}

TEST_CASE("transient changes: exactly the weights read_layer changes, also under ECC and stuck cells",
          "[memory][transient]") {
  const std::string ecc = GENERATE(std::string("none"), std::string("secded"));
  const Network net = test::make_weight_net({{8, 5000}, {0, 0}, {3, 7001}}, 12);
  WeightSramParams p;
  p.banks = 3;
  p.rows_per_bank = 2048;
  p.word_bits = 32;
  p.ecc = ecc;
  WeightMemory wm(p, net);
  // Persistent stuck cells in many words, so transients combine with them (and with ECC).
  std::vector<std::pair<WordAddress, WordFaultMasks>> stuck;
  for (int64_t row = 0; row < 600; row += 7) {
    WordFaultMasks m;
    m.or_mask = uint64_t(1) << (row % 32);
    stuck.push_back({WordAddress{int(row % 3), row}, m});
  }
  wm.set_faults(stuck);
  std::vector<std::vector<uint8_t>> persistent(net.layers.size());
  for (int l : {0, 2}) persistent[size_t(l)] = wm.read_layer(l);
  TransientReadErrors tr(0.02, fault_geometry(p), 7);
  wm.set_transient(&tr);
  int64_t changed = 0;
  for (int image : {0, 1, 5}) {
    for (int l : {0, 2}) {
      std::vector<std::pair<int64_t, uint8_t>> ch;
      wm.transient_changes(image, l, persistent[size_t(l)], ch);
      std::vector<uint8_t> patched = persistent[size_t(l)];
      for (size_t k = 0; k < ch.size(); ++k) {
        if (k > 0) REQUIRE(ch[k - 1].first < ch[k].first);
        REQUIRE(ch[k].second != persistent[size_t(l)][size_t(ch[k].first)]);
        patched[size_t(ch[k].first)] = ch[k].second;
      }
      wm.set_read_context(image, l);
      CHECK(wm.read_layer(l) == patched);
      changed += int64_t(ch.size());
    }
  }
  CHECK(changed > 0);
  wm.set_read_context(0, 0);
  CHECK(wm.read_layer(2) == persistent[2]);  // a layer read outside its context sees no transients
}
