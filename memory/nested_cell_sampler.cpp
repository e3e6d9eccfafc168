#include "memory/nested_cell_sampler.h"

#include <algorithm>
#include <cmath>

#include "common/errors.h"
#include "common/rng.h"

namespace lvsim {

NestedCellSampler::NestedCellSampler(uint64_t key, int banks, int64_t cells_per_bank)
    : key_(key), cells_per_bank_(cells_per_bank), cells_(size_t(banks)), levels_done_(size_t(banks), 0) {}

double NestedCellSampler::level_bound(int level) {
  return std::ldexp(1.0, level - (kLevels - 1));
}

double NestedCellSampler::covered(int bank) const {
  int done = levels_done_[size_t(bank)];
  return done == 0 ? 0.0 : level_bound(done - 1);
}

void NestedCellSampler::cover(int bank, double p) {
  // The levels up to the first bound >= p hold ~bound x cells_per_bank cells: checked first.
  int need = levels_done_[size_t(bank)];
  while (need < kLevels && (need == 0 ? 0.0 : level_bound(need - 1)) < p) ++need;
  const double expected = (need == 0 ? 0.0 : level_bound(need - 1)) * double(cells_per_bank_);
  if (expected * double(cells_.size()) > double(kMaxSampledCells))
    throw ConfigError(located("fault model", "",
                              "a failure rate of " + std::to_string(p) + " over " + std::to_string(cells_.size()) +
                                  " banks x " + std::to_string(cells_per_bank_) + " cells would hold ~" +
                                  std::to_string(int64_t(expected * double(cells_.size()))) +
                                  " failing cells in memory, more than the limit of " +
                                  std::to_string(kMaxSampledCells) +
                                  ": simulate a smaller weight SRAM or a lower failure rate"));
  while (levels_done_[size_t(bank)] < kLevels && covered(bank) < p) draw_level(bank, levels_done_[size_t(bank)]);
}

void NestedCellSampler::draw_level(int bank, int level) {
  std::vector<Cell>& have = cells_[size_t(bank)];
  const double lo = level == 0 ? 0.0 : level_bound(level - 1);
  const double hi = level_bound(level);
  const double rate = (hi - lo) / (1.0 - lo);  // P(in this level | not in a lower one)
  const double log_keep = std::log1p(-rate);   // -inf when rate == 1: every remaining cell
  SplitMix64 rng(derive_seed(derive_seed(key_, uint64_t(bank)), uint64_t(level)));

  std::vector<Cell> fresh;
  const int64_t n = cells_per_bank_;
  int64_t at = -1;      // last chosen cell index
  size_t next_old = 0;  // first materialised cell with index > at
  for (;;) {
    // Number of remaining (not yet materialised) cells skipped before the next one in this level.
    double skip = rate >= 1.0 ? 0.0 : std::floor(std::log(rng.uniform_open0()) / log_keep);
    if (!(skip < double(n))) break;
    int64_t target = at + int64_t(skip) + 1;
    // Cells of lower levels are not candidates: each one at or before target pushes it on by one.
    while (target < n && next_old < have.size() && have[next_old].index <= target) {
      ++target;
      ++next_old;
    }
    if (target >= n) break;
    at = target;
    fresh.push_back({at, lo + (hi - lo) * rng.uniform()});
  }
  std::vector<Cell> merged;
  merged.reserve(have.size() + fresh.size());
  std::merge(have.begin(), have.end(), fresh.begin(), fresh.end(), std::back_inserter(merged),
             [](const Cell& a, const Cell& b) { return a.index < b.index; });
  have.swap(merged);
  ++levels_done_[size_t(bank)];
}

}  // namespace lvsim
