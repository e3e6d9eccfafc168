#include <catch2/catch.hpp>

#include <map>

#include "common/errors.h"
#include "memory/weight_layout.h"
#include "memory/weight_memory.h"
#include "memory_test_util.h"

using namespace lvsim;

namespace {
WeightSramParams geometry(int banks, int64_t rows, int word_bits) {
  WeightSramParams p;
  p.banks = banks;
  p.rows_per_bank = rows;
  p.word_bits = word_bits;
  return p;
}
}  // namespace

TEST_CASE("layout: locate by hand", "[memory][layout]") {
  // layer 0: 3-bit, 100 weights -> 21 per 64-bit word, 5 words (0..4); layer 1: relu;
  // layer 2: 8-bit, 10 weights -> 8 per word, 2 words (5, 6).
  Network net = test::make_weight_net({{3, 100}, {0, 0}, {8, 10}}, 1);
  WeightLayout l16(geometry(16, 4, 64), net);
  CHECK(l16.weights_per_word(0) == 21);
  CHECK(l16.words(0) == 5);
  CHECK(l16.first_word(2) == 5);
  CHECK(l16.words(2) == 2);
  CHECK(l16.words(1) == 0);
  CHECK(l16.words_used() == 7);
  CHECK(l16.locate(0, 0) == WeightLocation{0, 0, 0});
  CHECK(l16.locate(0, 20) == WeightLocation{0, 0, 60});
  CHECK(l16.locate(0, 44) == WeightLocation{2, 0, 6});   // word 2, slot 2
  CHECK(l16.locate(0, 99) == WeightLocation{4, 0, 45});  // word 4, slot 15
  CHECK(l16.locate(2, 9) == WeightLocation{6, 0, 8});    // word 6, slot 1

  WeightLayout l4(geometry(4, 4, 64), net);
  CHECK(l4.locate(2, 9) == WeightLocation{2, 1, 8});   // word 6 -> bank 2, row 1
  CHECK(l4.locate(0, 84) == WeightLocation{0, 1, 0});  // word 4 -> bank 0, row 1
  CHECK(l4.word_address(6) == WordAddress{2, 1});
  CHECK(l4.physical_word(WordAddress{2, 1}) == 6);
  CHECK(l4.layer_of_word(4) == 0);
  CHECK(l4.layer_of_word(5) == 2);
  CHECK(l4.layer_of_word(7) == -1);

  // 24-bit words, 5-bit weights: 4 per word (bits 0, 5, 10, 15), 4 bits unused.
  Network n5 = test::make_weight_net({{5, 9}}, 2);
  WeightLayout l3(geometry(3, 2, 24), n5);
  CHECK(l3.weights_per_word(0) == 4);
  CHECK(l3.words(0) == 3);
  CHECK(l3.locate(0, 7) == WeightLocation{1, 0, 15});
  CHECK(l3.locate(0, 8) == WeightLocation{2, 0, 0});
}

TEST_CASE("layout: pack via locate, unpack via extract, every m", "[memory][layout]") {
  const int m = GENERATE(2, 3, 4, 5, 6, 7, 8);
  const int word_bits = GENERATE(8, 13, 24, 32, 64);
  const int banks = GENERATE(1, 3, 16);
  // Two weight layers of different widths around a layer without weights.
  const int m2 = 2 + (m * 5) % 7;
  Network net = test::make_weight_net({{m, 97 + m}, {0, 0}, {m2, 33}}, uint64_t(m * 1000 + word_bits * 10 + banks));
  WeightSramParams p = geometry(banks, 256, word_bits);
  WeightMemory mem(p, net);
  const WeightLayout& lay = mem.layout();

  // Independent packing: OR every pattern into its (bank, row) at its bit; no overlaps allowed.
  std::map<std::pair<int, int64_t>, uint64_t> words;
  int64_t max_word = -1;
  for (int l : {0, 2}) {
    const int bits = net.layers[size_t(l)].weight.bits;
    for (size_t i = 0; i < net.layers[size_t(l)].weight.stored.size(); ++i) {
      const WeightLocation loc = lay.locate(l, int64_t(i));
      REQUIRE(loc.bit + bits <= word_bits);
      REQUIRE(loc.bit % bits == 0);
      uint64_t& w = words[{loc.bank, loc.row}];
      const uint64_t field = ((uint64_t(1) << bits) - 1) << loc.bit;
      REQUIRE((w & field) == 0);  // not yet occupied (no pattern is written twice; zero patterns are
                                  // checked by the distinct-slot count below)
      w |= uint64_t(net.layers[size_t(l)].weight.stored[i]) << loc.bit;
      max_word = std::max(max_word, loc.row * banks + loc.bank);
    }
  }
  // Distinct slots: each weight has its own (bank, row, bit).
  std::map<std::tuple<int, int64_t, int>, int> slots;
  for (int l : {0, 2})
    for (size_t i = 0; i < net.layers[size_t(l)].weight.stored.size(); ++i) {
      const WeightLocation loc = lay.locate(l, int64_t(i));
      CHECK(++slots[{loc.bank, loc.row, loc.bit}] == 1);
    }
  // Dense: words used = sum of ceil(n / floor(word_bits / m)) and all of them are used.
  const int64_t expect_words =
      (97 + m + word_bits / m - 1) / (word_bits / m) + (33 + word_bits / m2 - 1) / (word_bits / m2);
  CHECK(lay.words_used() == expect_words);
  CHECK(max_word + 1 == expect_words);
  // Unpack with extract; the memory holds exactly the independently packed words.
  for (int l : {0, 2})
    for (size_t i = 0; i < net.layers[size_t(l)].weight.stored.size(); ++i) {
      const WeightLocation loc = lay.locate(l, int64_t(i));
      CHECK(mem.extract(l, int64_t(i), words[{loc.bank, loc.row}]) == net.layers[size_t(l)].weight.stored[i]);
    }
  for (const auto& [addr, w] : words) CHECK(mem.bank(addr.first).stored(addr.second).data == w);
  CHECK(mem.read_layer(0) == net.layers[0].weight.stored);
  CHECK(mem.read_layer(2) == net.layers[2].weight.stored);
  CHECK(mem.read_layer(1).empty());
}

TEST_CASE("layout: capacity error", "[memory][layout]") {
  Network net = test::make_weight_net({{8, 5}}, 3);  // 5 words of 8 bits
  CHECK_NOTHROW(WeightLayout(geometry(1, 5, 8), net));
  try {
    WeightLayout(geometry(2, 2, 8), net);
    FAIL("expected ConfigError");
  } catch (const ConfigError& e) {
    CHECK_THAT(e.what(), Catch::Contains("weight SRAM too small: network needs 5 words, banks*rows_per_bank = 4"));
  }
}

TEST_CASE("params: from_json and derived sizes", "[memory][params]") {
  auto parse = [](const std::string& text) {
    nlohmann::json j = parse_json_text(text, "arch.json");
    JsonObject o(j, "arch.json", "weight_sram");
    return WeightSramParams::from_json(o);
  };
  WeightSramParams p = parse(R"({"banks": 8, "rows_per_bank": 1024, "word_bits": 32, "ecc": "secded",
                                 "on_double_error": "zero_word", "read_ports_per_bank": 2})");
  CHECK(p.banks == 8);
  CHECK(p.check_bits() == 7);
  CHECK(p.zero_on_double_error());
  CHECK(p.read_ports_per_bank == 2);
  CHECK(p.capacity_bits() == 8 * 1024 * 32);
  CHECK(p.cell_count() == 8 * 1024 * 39);
  CHECK(p.ecc_overhead() == Approx(7.0 / 32.0));
  WeightSramParams q = parse(R"({"banks": 1, "rows_per_bank": 16, "word_bits": 24})");
  CHECK(q.check_bits() == 0);
  CHECK(q.ecc_overhead() == 0.0);
  CHECK_THROWS_AS(parse(R"({"banks": 1, "rows_per_bank": 16, "word_bits": 24, "ecc": "secded"})"), ConfigError);
  CHECK_THROWS_AS(parse(R"({"banks": 1, "rows_per_bank": 16, "word_bits": 64, "bank": 2})"), ConfigError);
  CHECK_THROWS_AS(parse(R"({"banks": 1, "rows_per_bank": 16, "word_bits": 64, "on_double_error": "zero_word"})"),
                  ConfigError);
  CHECK_THROWS_AS(parse(R"({"banks": 0, "rows_per_bank": 16, "word_bits": 64})"), ConfigError);
  CHECK_THROWS_AS(parse(R"({"banks": 1, "rows_per_bank": 16, "word_bits": 65})"), ConfigError);
  for (auto [w, c] : {std::pair{8, 5}, {16, 6}, {32, 7}, {64, 8}}) {
    WeightSramParams s;
    s.word_bits = w;
    s.ecc = "secded";
    CHECK(s.check_bits() == c);
  }
}
