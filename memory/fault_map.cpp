#include "memory/fault_map.h"

#include <algorithm>
#include <stdexcept>

#include "common/errors.h"
#include "memory/weight_sram_params.h"

namespace lvsim {

FaultGeometry fault_geometry(const WeightSramParams& sram) {
  return FaultGeometry{sram.banks, sram.rows_per_bank, sram.word_bits, sram.check_bits()};
}

void FaultGeometry::validate(const std::string& origin, const std::string& field) const {
  auto bad = [&](const std::string& f, const std::string& what) {
    throw ConfigError(located(origin, field.empty() ? f : field + "." + f, what));
  };
  if (banks < 1) bad("banks", "must be >= 1");
  if (rows < 1) bad("rows", "must be >= 1");
  if (data_bits < 1 || data_bits > 64) bad("data_bits", "must be in [1, 64]");
  if (check_bits < 0 || check_bits > 16) bad("check_bits", "must be in [0, 16]");
  // cells() must be representable: banks x rows x cells_per_word, checked before it is computed.
  int64_t per_bank = 0, all = 0;
  if (__builtin_mul_overflow(rows, int64_t(cells_per_word()), &per_bank) ||
      __builtin_mul_overflow(per_bank, int64_t(banks), &all) || all > kMaxFaultCells)
    bad("rows", std::to_string(banks) + " banks x " + std::to_string(rows) + " rows x " +
                    std::to_string(cells_per_word()) + " cells exceed the limit of " + std::to_string(kMaxFaultCells) +
                    " cells");
}

const char* to_string(CellFaultType t) {
  switch (t) {
    case CellFaultType::stuck_at_0:
      return "sa0";
    case CellFaultType::stuck_at_1:
      return "sa1";
    case CellFaultType::read_flip:
      return "flip";
  }
  return "?";
}

static bool cell_less(const CellFault& a, const CellFault& b) {
  if (a.bank != b.bank) return a.bank < b.bank;
  if (a.row != b.row) return a.row < b.row;
  return a.cell < b.cell;
}

FaultMap::FaultMap(FaultGeometry geometry, std::vector<CellFault> cells)
    : geometry_(geometry), cells_(std::move(cells)) {
  if (!std::is_sorted(cells_.begin(), cells_.end(), cell_less)) std::sort(cells_.begin(), cells_.end(), cell_less);
  for (size_t i = 0; i < cells_.size(); ++i) {
    const CellFault& c = cells_[i];
    if (c.bank < 0 || c.bank >= geometry_.banks || c.row < 0 || c.row >= geometry_.rows || c.cell < 0 ||
        c.cell >= geometry_.cells_per_word())
      throw std::invalid_argument("FaultMap: cell outside the geometry");
    if (i > 0 && !cell_less(cells_[i - 1], c)) throw std::invalid_argument("FaultMap: duplicate cell");
  }
}

void add_cell_fault(WordFaultMasks& m, int cell, int data_bits, CellFaultType type) {
  if (cell < data_bits) {
    uint64_t bit = uint64_t(1) << cell;
    switch (type) {
      case CellFaultType::stuck_at_0:
        m.and_mask &= ~bit;
        break;
      case CellFaultType::stuck_at_1:
        m.or_mask |= bit;
        break;
      case CellFaultType::read_flip:
        m.xor_mask |= bit;
        break;
    }
  } else {
    uint16_t bit = uint16_t(1u << (cell - data_bits));
    switch (type) {
      case CellFaultType::stuck_at_0:
        m.check_and_mask = uint16_t(m.check_and_mask & ~bit);
        break;
      case CellFaultType::stuck_at_1:
        m.check_or_mask = uint16_t(m.check_or_mask | bit);
        break;
      case CellFaultType::read_flip:
        m.check_xor_mask = uint16_t(m.check_xor_mask | bit);
        break;
    }
  }
}

std::vector<std::pair<WordAddress, WordFaultMasks>> FaultMap::word_faults() const {
  std::vector<std::pair<WordAddress, WordFaultMasks>> out;
  for (const CellFault& c : cells_) {
    if (out.empty() || out.back().first.bank != c.bank || out.back().first.row != c.row)
      out.push_back({WordAddress{c.bank, c.row}, WordFaultMasks{}});
    add_cell_fault(out.back().second, c.cell, geometry_.data_bits, c.type);
  }
  return out;
}

FaultCounts FaultMap::counts() const {
  FaultCounts n;
  n.per_bank.assign(size_t(geometry_.banks), 0);
  const CellFault* prev = nullptr;
  for (const CellFault& c : cells_) {
    ++n.failing_cells;
    ++n.per_bank[size_t(c.bank)];
    switch (c.type) {
      case CellFaultType::stuck_at_0:
        ++n.stuck_at_0;
        break;
      case CellFaultType::stuck_at_1:
        ++n.stuck_at_1;
        break;
      case CellFaultType::read_flip:
        ++n.read_flip;
        break;
    }
    ++(c.cell < geometry_.data_bits ? n.data_cells : n.check_cells);
    if (!prev || prev->bank != c.bank || prev->row != c.row) ++n.faulty_words;
    prev = &c;
  }
  return n;
}

}  // namespace lvsim
