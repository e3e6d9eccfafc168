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

// What read_word delivered (stats().delivered), counted inside the memory once per word and read
// context, against an oracle outside it: the weights read_layer returns compared with the stored
// patterns, and read_layer's per-read ECC counters. Words are read in a shuffled order, most of
// them twice, as the cycle model's controller reads words shared by two folds.
TEST_CASE("delivered weight errors: counted once per word and context, equal to the bulk read", "[memory][transient]") {
  // on_double_error only matters with SECDED: three configurations, each checked below.
  const auto [ecc, on_double] = GENERATE(std::pair<std::string, std::string>{"none", "use_as_read"},
                                         std::pair<std::string, std::string>{"secded", "use_as_read"},
                                         std::pair<std::string, std::string>{"secded", "zero_word"});
  const Network net = test::make_weight_net({{8, 3001}, {0, 0}, {5, 4003}}, 21);
  WeightSramParams p;
  p.banks = 3;
  p.rows_per_bank = 1024;
  p.word_bits = 32;
  p.ecc = ecc;
  p.on_double_error = on_double;
  WeightMemory wm(p, net);
  // Persistent faults in many words: two cells in some (SECDED detects or miscorrects), one in others.
  std::vector<std::pair<WordAddress, WordFaultMasks>> faults;
  for (int64_t row = 0; row < 900; row += 5) {
    WordFaultMasks m;
    m.xor_mask = (uint64_t(1) << (row % 32)) | (row % 3 == 0 ? uint64_t(1) << ((row + 7) % 32) : 0);
    faults.push_back({WordAddress{int(row % 3), row}, m});
  }
  wm.set_faults(faults);
  const std::vector<int> layers = {0, 2};
  // Oracle of the persistent part: one bulk read of every layer.
  DeliveredWeightErrors expected;
  std::vector<std::vector<uint8_t>> persistent(net.layers.size());
  wm.reset_stats();
  for (int l : layers) {
    persistent[size_t(l)] = wm.read_layer(l);
    const auto& stored = net.layers[size_t(l)].weight.stored;
    for (size_t i = 0; i < stored.size(); ++i) {
      const unsigned diff = unsigned(stored[i] ^ persistent[size_t(l)][i]);
      expected.weights_changed += diff != 0;
      for (int b = 0; b < 8; ++b)
        if (diff >> b & 1) ++expected.bit_errors, ++expected.bit_errors_by_bit[size_t(b)];
    }
  }
  expected.ecc_corrected = wm.stats().ecc_corrected;
  expected.ecc_detected = wm.stats().ecc_detected;
  expected.ecc_silent = wm.stats().ecc_silent;
  REQUIRE(expected.bit_errors > 0);
  if (ecc == "secded") REQUIRE((expected.ecc_corrected > 0 && expected.ecc_detected > 0));

  TransientReadErrors tr(0.01, fault_geometry(p), 5);
  wm.set_transient(&tr);
  wm.reset_stats();
  SplitMix64 rng(3);
  const int images = 4;
  for (int image = 0; image < images; ++image)
    for (int l : layers) {
      wm.set_read_context(image, l);
      std::vector<int64_t> words;
      for (int64_t k = 0; k < wm.layout().words(l); ++k) {
        words.push_back(wm.layout().first_word(l) + k);
        if (k % 4 != 0) words.push_back(wm.layout().first_word(l) + k);  // read twice
      }
      for (size_t i = words.size(); i > 1; --i) std::swap(words[i - 1], words[size_t(rng.next() % i)]);
      for (int64_t g : words) wm.read_word(wm.layout().word_address(g));
      // Oracle of the transient part: this context's read_layer against the persistent weights.
      std::vector<uint8_t> w = wm.read_layer(l);
      for (size_t i = 0; i < w.size(); ++i)
        expected.transient_bit_errors += std::popcount(unsigned(w[i] ^ persistent[size_t(l)][i]));
    }
  DeliveredWeightErrors got = wm.stats().delivered;
  CHECK(got.transient_bit_errors == expected.transient_bit_errors);
  CHECK(got.transient_bit_errors > 0);
  // The persistent part is the same in every context: images x the bulk read's.
  CHECK(got.bit_errors == images * expected.bit_errors);
  CHECK(got.weights_changed == images * expected.weights_changed);
  CHECK(got.ecc_corrected == images * expected.ecc_corrected);
  CHECK(got.ecc_detected == images * expected.ecc_detected);
  CHECK(got.ecc_silent == images * expected.ecc_silent);
  for (size_t b = 0; b < 8; ++b) CHECK(got.bit_errors_by_bit[b] == images * expected.bit_errors_by_bit[b]);
}
