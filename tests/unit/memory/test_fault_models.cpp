// Chip and rate fault models: rates against configured p, nesting, seeds, types, transients.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

#include "common/errors.h"
#include "memory/chip_fault_model.h"
#include "memory/fault_map.h"
#include "memory/nested_cell_sampler.h"
#include "memory/rate_fault_model.h"
#include "memory/transient_read_errors.h"
#include "memory_test_util.h"

using namespace lvsim;
using lvsim::test::upper_tail_by_integration;

namespace {

// 16 x 4096 x 64 = 4 Mbit.
const FaultGeometry kGeom{16, 4096, 64, 0};

using CellKey = std::tuple<int, int64_t, int>;
std::set<CellKey> keys(const FaultMap& m) {
  std::set<CellKey> s;
  for (const CellFault& c : m.cells()) s.insert({c.bank, c.row, c.cell});
  return s;
}

bool subset(const std::set<CellKey>& a, const std::set<CellKey>& b) {
  return std::includes(b.begin(), b.end(), a.begin(), a.end());
}

// |count - n p| <= 4 sigma of the binomial.
void check_binomial(int64_t count, double n, double p) {
  double sd = std::sqrt(n * p * (1.0 - p));
  INFO("count " << count << ", expected " << n * p << " +- " << sd);
  CHECK(std::abs(double(count) - n * p) <= 4.0 * sd);
}

BitcellFailureParams normal_params(double mean, double sigma) {
  BitcellFailureParams p;
  p.model = "normal";
  p.mean_v = mean;
  p.sigma_v = sigma;
  return p;
}

}  // namespace

TEST_CASE("rate model: measured error rate within 4 sigma of p", "[fault]") {
  auto p = GENERATE(1e-4, 1e-3, 1e-2);
  RateFaultModel m({}, kGeom, 42);
  FaultMap f = m.faults_at(p);
  check_binomial(int64_t(f.size()), double(kGeom.cells()), p);
  for (const CellFault& c : f.cells()) REQUIRE(c.type == CellFaultType::read_flip);
  // Spread over banks and bit positions: every bank sees errors at 1e-2 (expected 2621 each).
  if (p == 1e-2)
    for (int64_t n : f.counts().per_bank) check_binomial(n, double(kGeom.cells_per_bank()), p);
}

TEST_CASE("rate model: bit positions are uniform (chi-square over 64 columns)", "[fault]") {
  RateFaultModel m({}, kGeom, 7);
  FaultMap f = m.faults_at(1e-2);
  std::vector<double> per_bit(64, 0.0);
  for (const CellFault& c : f.cells()) per_bit[size_t(c.cell)] += 1.0;
  double expected = double(f.size()) / 64.0, chi2 = 0.0;
  for (double o : per_bit) chi2 += (o - expected) * (o - expected) / expected;
  CHECK(chi2 < 120.0);  // 63 degrees of freedom: P(chi2 > 120) ~ 2e-5
}

TEST_CASE("rate model: nested in p, seed-determined, independent of query order", "[fault]") {
  RateFaultModel a({}, kGeom, 1);
  auto lo = keys(a.faults_at(1e-4)), mid = keys(a.faults_at(1e-3)), hi = keys(a.faults_at(1e-2));
  CHECK(lo.size() < mid.size());
  CHECK(mid.size() < hi.size());
  CHECK(subset(lo, mid));
  CHECK(subset(mid, hi));
  // A fresh model asked in the opposite order gives the same cells: chip = seed.
  RateFaultModel b({}, kGeom, 1);
  CHECK(keys(b.faults_at(1e-2)) == hi);
  CHECK(keys(b.faults_at(1e-4)) == lo);
  RateFaultModel c({}, kGeom, 2);
  auto other = keys(c.faults_at(1e-3));
  CHECK(other != mid);
  std::vector<CellKey> common;
  std::set_intersection(other.begin(), other.end(), mid.begin(), mid.end(), std::back_inserter(common));
  CHECK(common.size() < mid.size() / 10);  // independent seeds share ~0.1% of cells
}

TEST_CASE("rate model: 100 Mbit at p = 1e-4 costs the errors, not the bits", "[fault]") {
  // 64 banks x 25600 rows x 64 bits = 104,857,600 cells. A per-bit draw would take seconds;
  // geometric skipping draws ~2 x 1e4 numbers.
  FaultGeometry big{64, 25600, 64, 0};
  RateFaultModel m({}, big, 3);
  FaultMap f = m.faults_at(1e-4);
  check_binomial(int64_t(f.size()), double(big.cells()), 1e-4);
}

TEST_CASE("rate model: stuck-at faults, 0/1 share, and bad rates", "[fault]") {
  RateFaultParams sp;
  sp.kind = "stuck_at";
  sp.stuck_at_1_fraction = 0.25;
  RateFaultModel m(sp, kGeom, 5);
  FaultCounts n = m.faults_at(1e-2).counts();
  CHECK(n.read_flip == 0);
  check_binomial(n.stuck_at_1, double(n.failing_cells), 0.25);
  CHECK_THROWS_AS(m.faults_at(-0.1), ConfigError);
  CHECK_THROWS_AS(m.faults_at(1.5), ConfigError);
  RateFaultParams bad;
  bad.kind = "sticky";
  CHECK_THROWS_AS(RateFaultModel(bad, kGeom, 1), ConfigError);
  // p = 1: every cell.
  FaultGeometry tiny{2, 3, 8, 5};
  RateFaultModel all({}, tiny, 9);
  CHECK(int64_t(all.faults_at(1.0).size()) == tiny.cells());
  CHECK(all.faults_at(0.0).size() == 0);
}

TEST_CASE("chip model: normal failure rate at V matches 1 - Phi", "[fault]") {
  ChipFaultModel chip(normal_params(0.10, 0.14), kGeom, 11);
  for (double v : {0.40, 0.45, 0.53, 0.62}) {
    double p = upper_tail_by_integration(v, 0.10, 0.14);
    INFO("V = " << v << ", p = " << p);
    check_binomial(int64_t(chip.faults_at(v).size()), double(kGeom.cells()), p);
    CHECK(chip.expected_failure_fraction(v) == Approx(p).epsilon(1e-6));
  }
}

TEST_CASE("chip model: ber curve rate at an interpolated voltage", "[fault]") {
  BitcellFailureParams bp;
  bp.model = "ber_curve";
  bp.points = {{0.80, 1e-2}, {0.90, 1e-4}, {1.00, 0.0}};
  ChipFaultModel chip(bp, kGeom, 12);
  check_binomial(int64_t(chip.faults_at(0.85).size()), double(kGeom.cells()), 1e-3);  // by hand: sqrt(1e-2 * 1e-4)
  check_binomial(int64_t(chip.faults_at(0.80).size()), double(kGeom.cells()), 1e-2);
  CHECK(chip.faults_at(1.00).size() == 0);
  CHECK_THROWS_AS(chip.faults_at(0.70), ConfigError);  // below the curve
  CHECK_THROWS_AS(chip.faults_at(1.10), ConfigError);  // above it
}

TEST_CASE("chip model: nested across voltages, types fixed, seeds", "[fault]") {
  BitcellFailureParams bp = normal_params(0.10, 0.14);
  bp.cell_types = {0.25, 0.25, 0.5};
  ChipFaultModel chip(bp, kGeom, 21);
  std::map<CellKey, CellFaultType> seen;
  std::set<CellKey> previous;
  for (double v : {0.70, 0.62, 0.55, 0.50, 0.45}) {  // descending: sets must grow
    FaultMap f = chip.faults_at(v);
    auto now = keys(f);
    CHECK(subset(previous, now));
    CHECK(now.size() >= previous.size());
    for (const CellFault& c : f.cells()) {
      auto [it, fresh] = seen.insert({{c.bank, c.row, c.cell}, c.type});
      if (!fresh) REQUIRE(it->second == c.type);
    }
    previous = now;
  }
  FaultCounts n = chip.faults_at(0.45).counts();
  check_binomial(n.stuck_at_0, double(n.failing_cells), 0.25);
  check_binomial(n.stuck_at_1, double(n.failing_cells), 0.25);
  check_binomial(n.read_flip, double(n.failing_cells), 0.5);

  ChipFaultModel same(bp, kGeom, 21), other(bp, kGeom, 22);
  CHECK(same.faults_at(0.50).cells() == chip.faults_at(0.50).cells());
  CHECK(other.faults_at(0.50).cells() != chip.faults_at(0.50).cells());
  CHECK(int64_t(same.word_faults(0.5).size()) == chip.faults_at(0.5).counts().faulty_words);
}

TEST_CASE("chip model: per-bank variation shifts banks' failure voltages", "[fault]") {
  BitcellFailureParams bp = normal_params(0.43, 0.035);
  bp.sigma_bank_v = 0.02;
  ChipFaultModel chip(bp, kGeom, 31);
  const double v = 0.53;
  FaultCounts n = chip.faults_at(v).counts();
  for (int b = 0; b < kGeom.banks; ++b) {
    CHECK(chip.bank_offset_v(b) != 0.0);
    // Each bank fails like the nominal model at V - offset (tail computed independently).
    double p = upper_tail_by_integration(v - chip.bank_offset_v(b), 0.43, 0.035);
    check_binomial(n.per_bank[size_t(b)], double(kGeom.cells_per_bank()), p);
  }
}

TEST_CASE("chip model: die-level variation shifts whole chips, spread as configured", "[fault][chip_variation]") {
  BitcellFailureParams bp = normal_params(0.43, 0.035);
  bp.sigma_chip_v = 0.02;
  const FaultGeometry g{4, 1024, 64, 0};
  const double v = 0.53;
  double sum = 0, sum_sq = 0;
  const int chips = 200;
  for (int seed = 1; seed <= chips; ++seed) {
    ChipFaultModel chip(bp, g, uint64_t(seed));
    const double d = chip.die_offset_v();
    for (int b = 0; b < g.banks; ++b) REQUIRE(chip.bank_offset_v(b) == d);  // no bank variation: the die's
    sum += d;
    sum_sq += d * d;
    if (seed <= 10) {  // the chip fails like the nominal model at V - d (tail computed independently)
      const double p = upper_tail_by_integration(v - d, 0.43, 0.035);
      check_binomial(chip.faults_at(v).counts().failing_cells, double(g.cells()), p);
      CHECK(chip.expected_failure_fraction(v) == Approx(p).epsilon(1e-6));
    }
  }
  // Sample mean and standard deviation of 200 N(0, 0.02) offsets: mean within 4 SE (0.0057),
  // sd within 25 %.
  const double mean = sum / chips, sd = std::sqrt(sum_sq / chips - mean * mean);
  CHECK(std::fabs(mean) < 4 * 0.02 / std::sqrt(double(chips)));
  CHECK(sd == Approx(0.02).epsilon(0.25));
  bp.sigma_chip_v = 0.0;
  CHECK(ChipFaultModel(bp, g, 5).die_offset_v() == 0.0);
}

TEST_CASE("fault map: stuck-at and flip mask semantics", "[fault]") {
  FaultGeometry g{2, 4, 8, 5};
  FaultMap m(g, {{1, 2, 3, CellFaultType::stuck_at_0},
                 {1, 2, 0, CellFaultType::stuck_at_1},
                 {1, 2, 7, CellFaultType::read_flip},
                 {1, 2, 9, CellFaultType::stuck_at_1},    // check bit 1
                 {0, 3, 12, CellFaultType::read_flip}});  // check bit 4
  auto w = m.word_faults();
  REQUIRE(w.size() == 2);
  CHECK(w[0].first == WordAddress{0, 3});
  CHECK(w[1].first == WordAddress{1, 2});
  const WordFaultMasks& a = w[1].second;
  // stored 0xFF: bit 3 stuck at 0 -> 0xF7, bit 7 flips -> 0x77; bit 0 stuck at 1 (already 1).
  CHECK(a.apply(0xFF) == 0x77);
  // stored 0x00: bit 0 stuck at 1 -> 0x01; bit 3 stuck at 0 (already 0); bit 7 flips -> 0x81.
  CHECK(a.apply(0x00) == 0x81);
  CHECK(a.apply_check(0x00) == 0x02);
  CHECK(a.apply_check(0x1F) == 0x1F);
  CHECK(w[0].second.apply(0x5A) == 0x5A);
  CHECK(w[0].second.apply_check(0x00) == 0x10);
  FaultCounts n = m.counts();
  CHECK(n.failing_cells == 5);
  CHECK(n.check_cells == 2);
  CHECK(n.zero_to_one_cells() == 4);
  CHECK(n.one_to_zero_cells() == 3);
  CHECK(n.per_bank == std::vector<int64_t>{1, 4});
  CHECK_THROWS(FaultMap(g, {{0, 0, 13, CellFaultType::read_flip}}));
  CHECK_THROWS(FaultMap(g, {{0, 0, 1, CellFaultType::read_flip}, {0, 0, 1, CellFaultType::stuck_at_0}}));
}

TEST_CASE("nested sampler: u is uniform within what is covered", "[fault]") {
  NestedCellSampler s(99, 1, int64_t(1) << 22);
  s.cover(0, 1e-2);
  int64_t below_half = 0, total = 0;
  double c = s.covered(0);
  for (const auto& cell : s.cells(0)) {
    REQUIRE(cell.u < c);
    ++total;
    below_half += cell.u < c / 2 ? 1 : 0;
  }
  check_binomial(total, double(int64_t(1) << 22), c);
  check_binomial(below_half, double(total), 0.5);
  for (size_t i = 1; i < s.cells(0).size(); ++i) REQUIRE(s.cells(0)[i - 1].index < s.cells(0)[i].index);
}

TEST_CASE("transient read errors: rate, keyed determinism", "[fault]") {
  FaultGeometry g{4, 1024, 64, 8};
  TransientReadErrors t(1e-3, g, 5);
  const int64_t cells = g.cells();
  int64_t flips = 0, differ = 0;
  for (int image = 0; image < 8; ++image) {
    const std::vector<int64_t> f = t.flipped_cells(image, 2, cells);
    for (size_t i = 0; i < f.size(); ++i) {
      REQUIRE(f[i] >= 0);
      REQUIRE(f[i] < cells);
      if (i > 0) REQUIRE(f[i - 1] < f[i]);  // ascending, each cell at most once
    }
    flips += int64_t(f.size());
    REQUIRE(t.flipped_cells(image, 2, cells) == f);         // keyed: the same context, the same flips
    differ += t.flipped_cells(image + 100, 2, cells) != f;  // another image: other flips
    differ += t.flipped_cells(image, 3, cells) != f;        // another layer: other flips
  }
  check_binomial(flips, 8.0 * double(cells), 1e-3);
  CHECK(differ == 16);
  // Every cell at rate 1; a uniform position of the first flip at a small rate (mean 1/p - 1).
  CHECK(TransientReadErrors(1.0, g, 5).flipped_cells(0, 0, 100).size() == 100);
  TransientReadErrors rare(0.01, g, 5);
  double first_sum = 0;
  int n = 0;
  for (int image = 0; image < 4000; ++image) {
    const auto f = rare.flipped_cells(image, 0, 100000);
    if (!f.empty()) first_sum += double(f[0]), ++n;
  }
  CHECK(first_sum / n == Approx(99.0).epsilon(0.06));  // geometric: (1 - p)/p = 99, sd/mean ~ 1/sqrt(4000)
  TransientReadErrors off(0.0, g, 5);
  CHECK(off.flipped_cells(0, 0, cells).empty());
  CHECK_THROWS_AS(TransientReadErrors(-1e-3, g, 5), ConfigError);
  CHECK_THROWS_AS(TransientReadErrors(2.0, g, 5), ConfigError);
}

// A declared SRAM of 2^27 words x 72 cells at a 5% rate would materialise ~5e8 cells (tens of GB):
// refused with a ConfigError before any is drawn; the same rate on a small SRAM is fine.
TEST_CASE("rate model: a failure rate over a huge SRAM is refused before it is sampled", "[fault]") {
  FaultGeometry huge;
  huge.banks = 16;
  huge.rows = int64_t(1) << 23;
  huge.data_bits = 64;
  huge.check_bits = 8;
  RateFaultModel big(RateFaultParams{}, huge, 1);
  try {
    big.faults_at(0.05);
    FAIL("no error");
  } catch (const ConfigError& e) {
    CHECK_THAT(e.what(), Catch::Contains("failing cells") && Catch::Contains("limit"));
  }
  CHECK(big.faults_at(1e-6).size() > 0);  // a low rate on the same SRAM costs its failing cells only
  FaultGeometry small = huge;
  small.rows = 1024;
  RateFaultModel ok(RateFaultParams{}, small, 1);
  CHECK(ok.faults_at(0.05).size() > 0);
}
