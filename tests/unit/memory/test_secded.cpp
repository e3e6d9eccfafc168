#include <catch2/catch.hpp>

#include "common/rng.h"
#include "memory/secded.h"

using namespace lvsim;

namespace {
// Flips codeword cell c (data bit c, or check bit c - data_bits) of (data, check).
void flip(int c, int data_bits, uint64_t& data, uint16_t& check) {
  if (c < data_bits)
    data ^= uint64_t(1) << c;
  else
    check = uint16_t(check ^ (1u << (c - data_bits)));
}

// Every single and double error pattern of the codeword of `data`.
void check_all_patterns(const Secded& code, uint64_t data, int64_t& singles, int64_t& doubles) {
  const int k = code.data_bits(), n = k + code.check_bits();
  const uint16_t check = code.encode(data);
  const SecdedDecode clean = code.decode(data, check);
  REQUIRE(clean.status == EccStatus::Ok);
  REQUIRE(clean.data == data);
  for (int a = 0; a < n; ++a) {
    uint64_t d = data;
    uint16_t c = check;
    flip(a, k, d, c);
    const SecdedDecode r = code.decode(d, c);
    REQUIRE(r.status == EccStatus::Corrected);
    REQUIRE(r.data == data);
    REQUIRE(r.corrected_cell == a);
    ++singles;
    for (int b = a + 1; b < n; ++b) {
      uint64_t d2 = d;
      uint16_t c2 = c;
      flip(b, k, d2, c2);
      const SecdedDecode r2 = code.decode(d2, c2);
      REQUIRE(r2.status == EccStatus::Detected);
      REQUIRE(r2.data == d2);  // returned as read
      ++doubles;
    }
  }
}
}  // namespace

TEST_CASE("secded: code sizes", "[memory][secded]") {
  CHECK(Secded(8).check_bits() == 5);
  CHECK(Secded(16).check_bits() == 6);
  CHECK(Secded(32).check_bits() == 7);
  CHECK(Secded(64).check_bits() == 8);
  CHECK(Secded::check_bits_for(24) == 0);
  CHECK_THROWS_AS(Secded(12), std::invalid_argument);
}

TEST_CASE("secded: (13,8) check bits by hand", "[memory][secded]") {
  // Data bits sit at codeword positions 3, 5, 6, 7, 9, 10, 11, 12. Hamming bit k is the parity of
  // the data bits whose position has bit k set; bit 4 is the parity of the 12 other bits.
  const Secded code(8);
  CHECK(code.encode(0x00) == 0x00);
  CHECK(code.encode(0x01) == 0x13);  // position 3 = 0b0011: h = 0b0011, overall 1+2 odd -> 1
  CHECK(code.encode(0x80) == 0x1C);  // position 12 = 0b1100: h = 0b1100, overall 1+2 odd -> 1
  CHECK(code.encode(0x03) == 0x06);  // positions 3^5 = 0b0110: h = 0b0110, overall 2+2 even -> 0
  // 0xFF: h0 covers positions 3,5,7,9,11 (odd -> 1), h1: 3,6,7,10,11 (1), h2: 5,6,7,12 (0),
  // h3: 9,10,11,12 (0); overall 8+2 even -> 0.
  CHECK(code.encode(0xFF) == 0x03);
}

TEST_CASE("secded: linear code", "[memory][secded]") {
  for (int k : {8, 16, 32, 64}) {
    const Secded code(k);
    SplitMix64 rng(derive_seed(7, uint64_t(k)));
    const uint64_t mask = k == 64 ? ~uint64_t(0) : (uint64_t(1) << k) - 1;
    for (int t = 0; t < 1000; ++t) {
      const uint64_t a = rng.next() & mask, b = rng.next() & mask;
      REQUIRE(code.encode(a ^ b) == (code.encode(a) ^ code.encode(b)));
    }
  }
}

TEST_CASE("secded: (13,8) every single corrected, every double detected, all 256 data", "[memory][secded]") {
  const Secded code(8);
  int64_t singles = 0, doubles = 0;
  for (uint64_t d = 0; d < 256; ++d) check_all_patterns(code, d, singles, doubles);
  CHECK(singles == 256 * 13);
  CHECK(doubles == 256 * 13 * 12 / 2);
}

TEST_CASE("secded: 16/32/64-bit every single and double position on random data", "[memory][secded]") {
  const int k = GENERATE(16, 32, 64);
  const Secded code(k);
  SplitMix64 rng(derive_seed(42, uint64_t(k)));
  const uint64_t mask = k == 64 ? ~uint64_t(0) : (uint64_t(1) << k) - 1;
  const int n = k + code.check_bits();
  int64_t singles = 0, doubles = 0;
  const int samples = 64;
  for (int t = 0; t < samples; ++t) check_all_patterns(code, rng.next() & mask, singles, doubles);
  check_all_patterns(code, 0, singles, doubles);
  check_all_patterns(code, mask, singles, doubles);
  CHECK(singles == int64_t(samples + 2) * n);
  CHECK(doubles == int64_t(samples + 2) * n * (n - 1) / 2);
}
