// Seeded per-cell uniform draws u ~ U[0,1) for a huge cell array, materialised only for the cells
// with small u: the cost is proportional to the number of cells with u < p, not to the array size.
//
// Every cell conceptually owns one uniform u; a cell "fails at p" iff u < p, so failing sets are
// nested in p. The cells are produced level by level on a fixed ladder q_k = 2^(k-40), k = 0..40:
// level k holds the cells with u in [q_{k-1}, q_k) (q_{-1} = 0). Given the lower levels, each
// remaining cell is in level k independently with probability (q_k - q_{k-1}) / (1 - q_{k-1}), so
// a level is drawn by geometric skipping over the remaining cells, and its cells get u uniform in
// [q_{k-1}, q_k). The ladder is fixed, so a cell's u never depends on which p was asked for first:
// chip = seed. Each (bank, level) has its own stream derived from (key, bank, level).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace lvsim {

/// Cells the sampler materialises at most over all banks (2^26, ~1 GiB with the fault map built
/// from them): a failure rate over a huge declared SRAM is refused before memory runs out.
inline constexpr int64_t kMaxSampledCells = int64_t(1) << 26;

/// Lazily materialised, nested per-cell uniforms for banks x cells_per_bank cells.
class NestedCellSampler {
 public:
  struct Cell {
    int64_t index;  // cell index within the bank
    double u;       // the cell's uniform draw
  };
  static constexpr int kLevels = 41;

  NestedCellSampler(uint64_t key, int banks, int64_t cells_per_bank);

  /// Materialises (if needed) every cell of `bank` with u < p. ConfigError when that would expect
  /// more than kMaxSampledCells / banks cells in the bank.
  void cover(int bank, double p);
  /// Every cell with u < covered(bank), sorted by index (a superset of what cover asked for).
  const std::vector<Cell>& cells(int bank) const { return cells_[std::size_t(bank)]; }
  double covered(int bank) const;
  int banks() const { return int(cells_.size()); }
  int64_t cells_per_bank() const { return cells_per_bank_; }

  /// Upper bound q_k of level k.
  static double level_bound(int level);

 private:
  void draw_level(int bank, int level);

  uint64_t key_;
  int64_t cells_per_bank_;
  std::vector<std::vector<Cell>> cells_;
  std::vector<int> levels_done_;  // per bank: levels 0..levels_done-1 are materialised
};

}  // namespace lvsim
