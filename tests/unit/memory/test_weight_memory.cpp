#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

#include "common/rng.h"
#include "memory/weight_memory.h"
#include "memory_test_util.h"

using namespace lvsim;

namespace {
WeightSramParams params(int banks, int64_t rows, int word_bits, const std::string& ecc = "none",
                        const std::string& on_double = "use_as_read") {
  WeightSramParams p;
  p.banks = banks;
  p.rows_per_bank = rows;
  p.word_bits = word_bits;
  p.ecc = ecc;
  p.on_double_error = on_double;
  return p;
}
// One layer of 4-bit weights {5, 10} in one 8-bit word: 0xA5 (weight 0 in bits 0..3).
Network two_weights() {
  Network net = test::make_weight_net({{4, 2}}, 0);
  net.layers[0].weight.stored = {0x5, 0xA};
  return net;
}
WordFaultMasks stuck1(int bit) {
  WordFaultMasks m;
  m.or_mask = uint64_t(1) << bit;
  return m;
}
WordFaultMasks stuck0(int bit) {
  WordFaultMasks m;
  m.and_mask = ~(uint64_t(1) << bit);
  return m;
}
WordFaultMasks flips(uint64_t data, uint16_t check = 0) {
  WordFaultMasks m;
  m.xor_mask = data;
  m.check_xor_mask = check;
  return m;
}
}  // namespace

TEST_CASE("weight memory: stuck-at semantics by hand", "[memory][weight_memory]") {
  WeightMemory mem(params(1, 4, 8), two_weights());
  const WordAddress a{0, 0};
  CHECK(mem.read_word(a) == 0xA5);
  mem.set_faults({{a, stuck1(0)}});  // bit 0 holds 1: nothing changes
  CHECK(mem.read_word(a) == 0xA5);
  CHECK(mem.read_layer(0) == std::vector<uint8_t>{0x5, 0xA});
  CHECK(mem.stats().faulty_word_reads == 0);
  mem.set_faults({{a, stuck1(1)}});  // bit 1 holds 0: 0xA5 -> 0xA7, weight 0 becomes 7
  CHECK(mem.read_word(a) == 0xA7);
  CHECK(mem.read_layer(0) == std::vector<uint8_t>{0x7, 0xA});
  mem.set_faults({{a, stuck0(7)}});  // bit 7 holds 1: 0xA5 -> 0x25, weight 1 becomes 2
  CHECK(mem.read_layer(0) == std::vector<uint8_t>{0x5, 0x2});
  mem.set_faults({{a, stuck0(6)}});  // bit 6 holds 0: nothing changes
  CHECK(mem.read_layer(0) == std::vector<uint8_t>{0x5, 0xA});
  mem.set_faults({{a, flips(0x10)}});  // read-flip on bit 4: weight 1 becomes 0xB
  CHECK(mem.read_layer(0) == std::vector<uint8_t>{0x5, 0xB});
  // Two entries for one word are merged (disjoint cells).
  mem.set_faults({{a, stuck1(1)}, {a, flips(0x10)}});
  CHECK(mem.read_word(a) == 0xB7);
  CHECK(mem.faulty_words() == std::vector<int64_t>{0});
  mem.clear_faults();
  CHECK(mem.read_word(a) == 0xA5);
  CHECK_THROWS_AS(mem.set_faults({{WordAddress{1, 0}, stuck1(0)}}), std::out_of_range);
  CHECK_THROWS_AS(mem.set_faults({{WordAddress{0, 4}, stuck1(0)}}), std::out_of_range);
}

TEST_CASE("weight memory: SECDED corrects, detects, policies, counters", "[memory][weight_memory]") {
  const WordAddress a{0, 0};
  SECTION("single data / check bit errors are corrected") {
    WeightMemory mem(params(1, 4, 8, "secded"), two_weights());
    CHECK(mem.stats().word_writes == 1);
    mem.set_faults({{a, flips(0x08)}});
    CHECK(mem.read_word(a) == 0xA5);
    mem.set_faults({{a, flips(0, 0x10)}});  // the overall parity bit
    CHECK(mem.read_layer(0) == std::vector<uint8_t>{0x5, 0xA});
    mem.set_faults({{a, stuck1(1)}});  // stuck-at on a 0: one error, corrected
    CHECK(mem.read_word(a) == 0xA5);
    CHECK(mem.stats().ecc_corrected == 3);
    CHECK(mem.stats().ecc_detected == 0);
    CHECK(mem.stats().ecc_silent == 0);
    CHECK(mem.stats().faulty_word_reads == 3);
    mem.set_faults({{a, stuck1(0)}});  // stuck-at on a 1: no error at all
    CHECK(mem.read_word(a) == 0xA5);
    CHECK(mem.stats().ecc_corrected == 3);
    CHECK(mem.stats().word_reads == 4);
  }
  SECTION("double error: use as read") {
    WeightMemory mem(params(1, 4, 8, "secded"), two_weights());
    mem.set_faults({{a, flips(0x82)}});  // 0xA5 -> 0x27
    CHECK(mem.read_word(a) == 0x27);
    CHECK(mem.read_layer(0) == std::vector<uint8_t>{0x7, 0x2});
    CHECK(mem.stats().ecc_detected == 2);
    CHECK(mem.stats().ecc_zeroed == 0);
  }
  SECTION("double error: zero word") {
    WeightMemory mem(params(1, 4, 8, "secded", "zero_word"), two_weights());
    mem.set_faults({{a, flips(0x02, 0x01)}});  // one data and one check bit
    CHECK(mem.read_word(a) == 0);
    CHECK(mem.read_layer(0) == std::vector<uint8_t>{0, 0});
    CHECK(mem.stats().ecc_detected == 2);
    CHECK(mem.stats().ecc_zeroed == 2);
  }
  SECTION("triple error miscorrected silently") {
    // Data bits 0, 1, 2 sit at positions 3, 5, 6: syndrome 3^5^6 = 0 with odd parity, which the
    // decoder takes for an overall-parity error: data returned as read, counted corrected + silent.
    WeightMemory mem(params(1, 4, 8, "secded"), two_weights());
    mem.set_faults({{a, flips(0x07)}});
    CHECK(mem.read_word(a) == (0xA5 ^ 0x07));
    CHECK(mem.stats().ecc_corrected == 1);
    CHECK(mem.stats().ecc_silent == 1);
    CHECK(mem.stats().ecc_detected == 0);
  }
}

TEST_CASE("weight memory: read_layer equals read_word + extract under faults", "[memory][weight_memory]") {
  const std::string ecc = GENERATE(std::string("none"), std::string("secded"));
  const std::string policy = GENERATE(std::string("use_as_read"), std::string("zero_word"));
  const int word_bits = GENERATE(16, 64);
  const int banks = GENERATE(1, 5);
  Network net = test::make_weight_net({{3, 301}, {0, 0}, {8, 57}, {5, 200}, {2, 1}}, 99);
  WeightMemory mem(params(banks, 256, word_bits, ecc, ecc == "secded" ? policy : "use_as_read"), net);
  const WeightLayout& lay = mem.layout();

  // Random faults on about a third of the used words (some words get several entries), 1-3 cells each,
  // in data and check cells, of all three kinds.
  SplitMix64 rng(derive_seed(5, uint64_t(word_bits * 10 + banks)));
  const int cells = word_bits + mem.params().check_bits();
  std::vector<std::pair<WordAddress, WordFaultMasks>> faults;
  std::set<int64_t> faulty;
  for (int64_t w = 0; w < lay.words_used(); ++w) {
    if (rng.next() % 3 != 0) continue;
    faulty.insert(w);
    const int errors = 1 + int(rng.next() % 3);
    std::set<int> used;
    for (int e = 0; e < errors; ++e) {
      const int c = int(rng.next() % uint64_t(cells));
      if (!used.insert(c).second) continue;
      WordFaultMasks m;
      const int kind = int(rng.next() % 3);
      if (c < word_bits) {
        const uint64_t bit = uint64_t(1) << c;
        if (kind == 0) m.and_mask = ~bit;
        if (kind == 1) m.or_mask = bit;
        if (kind == 2) m.xor_mask = bit;
      } else {
        const uint16_t bit = uint16_t(1u << (c - word_bits));
        if (kind == 0) m.check_and_mask = uint16_t(~bit);
        if (kind == 1) m.check_or_mask = bit;
        if (kind == 2) m.check_xor_mask = bit;
      }
      faults.push_back({lay.word_address(w), m});
    }
  }
  std::reverse(faults.begin(), faults.end());  // order of entries must not matter
  mem.set_faults(faults);
  CHECK(std::vector<int64_t>(faulty.begin(), faulty.end()) == mem.faulty_words());

  int64_t changed = 0;
  for (int l = 0; l < int(net.layers.size()); ++l) {
    const int64_t n = int64_t(net.layers[size_t(l)].weight.stored.size());
    mem.stats().reset();
    const std::vector<uint8_t> fast = mem.read_layer(l);
    const WeightReadStats fast_stats = mem.stats();
    REQUIRE(int64_t(fast.size()) == n);
    CHECK(fast_stats.word_reads == lay.words(l));

    // The controller's way: every word of the layer once, in word order, then extract.
    mem.stats().reset();
    std::vector<uint64_t> words;
    for (int64_t k = 0; k < lay.words(l); ++k) words.push_back(mem.read_word(lay.word_address(lay.first_word(l) + k)));
    std::vector<uint8_t> slow(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      const WeightLocation loc = lay.locate(l, i);
      slow[size_t(i)] = mem.extract(l, i, words[size_t(lay.global_word(l, i) - lay.first_word(l))]);
      CHECK(lay.word_address(lay.global_word(l, i)) == WordAddress{loc.bank, loc.row});
    }
    CHECK(fast == slow);
    const WeightReadStats& s = mem.stats();
    CHECK(s.word_reads == fast_stats.word_reads);
    CHECK(s.reads_per_bank == fast_stats.reads_per_bank);
    CHECK(s.ecc_corrected == fast_stats.ecc_corrected);
    CHECK(s.ecc_detected == fast_stats.ecc_detected);
    CHECK(s.ecc_silent == fast_stats.ecc_silent);
    CHECK(s.ecc_zeroed == fast_stats.ecc_zeroed);
    CHECK(s.faulty_word_reads == fast_stats.faulty_word_reads);
    // Reads per bank counted independently: word w of the layer is in bank w % banks.
    std::vector<int64_t> per_bank(size_t(banks), 0);
    for (int64_t k = 0; k < lay.words(l); ++k) ++per_bank[size_t((lay.first_word(l) + k) % banks)];
    CHECK(s.reads_per_bank == per_bank);
    for (int64_t i = 0; i < n; ++i) changed += fast[size_t(i)] != net.layers[size_t(l)].weight.stored[size_t(i)];
  }
  if (ecc == "none") CHECK(changed > 0);  // the faults do act (the comparison is not vacuous)
}

TEST_CASE("weight memory: stats counting", "[memory][weight_memory]") {
  Network net = test::make_weight_net({{8, 20}, {4, 7}}, 4);  // 8-bit words: 20 + 4 words
  WeightMemory mem(params(3, 16, 8, "secded"), net);
  CHECK(mem.layout().words_used() == 24);
  CHECK(mem.stats().word_writes == 24);
  int64_t bank_writes = 0;
  for (int b = 0; b < 3; ++b) bank_writes += mem.bank(b).stats().writes;
  CHECK(bank_writes == 24);
  CHECK(mem.read_layer(0) == net.layers[0].weight.stored);
  CHECK(mem.read_layer(1) == net.layers[1].weight.stored);
  CHECK(mem.stats().word_reads == 24);
  CHECK(mem.stats().reads_per_bank == std::vector<int64_t>{8, 8, 8});
  mem.read_word({2, 0});
  CHECK(mem.stats().reads_per_bank == std::vector<int64_t>{8, 8, 9});
  CHECK(mem.bank(2).stats().reads == 9);
  mem.stats().reset();
  CHECK(mem.stats().word_reads == 0);
  CHECK(mem.stats().word_writes == 0);
  CHECK(mem.stats().reads_per_bank == std::vector<int64_t>{0, 0, 0});
  CHECK_THROWS_AS(mem.read_word({3, 0}), std::out_of_range);
}
