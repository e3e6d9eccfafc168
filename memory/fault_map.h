// The failing bit-cells of a weight SRAM at one operating point, and their translation into the
// per-word masks the SRAM read path applies (memory/word_faults.h).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "memory/word_faults.h"

namespace lvsim {

/// Cells a fault geometry may span (2^48): far above any simulated SRAM (kMaxWeightSramWords x 80
/// cells < 2^34), low enough that cell indices and counts never overflow.
inline constexpr int64_t kMaxFaultCells = int64_t(1) << 48;

/// The cell array faults live in: banks x rows x (data bits + check bits). Cell c of a row is
/// data bit c for c < data_bits, check bit c - data_bits otherwise.
struct FaultGeometry {
  int banks = 1;
  int64_t rows = 1;    // rows (words) per bank
  int data_bits = 64;  // 1..64
  int check_bits = 0;  // 0..16
  int cells_per_word() const { return data_bits + check_bits; }
  int64_t cells_per_bank() const { return rows * cells_per_word(); }
  int64_t cells() const { return cells_per_bank() * banks; }
  bool operator==(const FaultGeometry&) const = default;
  /// ConfigError (located at origin / field) unless every dimension is in range and cells() <= kMaxFaultCells.
  void validate(const std::string& origin, const std::string& field) const;
};

struct WeightSramParams;
/// The fault geometry of a weight SRAM: its banks x rows x (word bits + ECC check bits).
FaultGeometry fault_geometry(const WeightSramParams& sram);

enum class CellFaultType : uint8_t { stuck_at_0, stuck_at_1, read_flip };

/// Short name used in files and reports: "sa0", "sa1", "flip".
const char* to_string(CellFaultType t);

/// One failing cell.
struct CellFault {
  int bank = 0;
  int64_t row = 0;
  int cell = 0;  // 0..cells_per_word-1
  CellFaultType type = CellFaultType::read_flip;
  bool operator==(const CellFault&) const = default;
};

/// Counts of a fault map, for reports.
struct FaultCounts {
  int64_t failing_cells = 0;
  int64_t stuck_at_0 = 0;
  int64_t stuck_at_1 = 0;
  int64_t read_flip = 0;
  int64_t data_cells = 0;         // failing cells holding data bits
  int64_t check_cells = 0;        // failing cells holding ECC check bits
  int64_t faulty_words = 0;       // words with at least one failing cell
  std::vector<int64_t> per_bank;  // failing cells per bank
  /// Cells able to turn a stored 0 into 1 (stuck-at-1 + read-flip), and 1 into 0.
  int64_t zero_to_one_cells() const { return stuck_at_1 + read_flip; }
  int64_t one_to_zero_cells() const { return stuck_at_0 + read_flip; }
};

/// A set of failing cells over a geometry, sorted by (bank, row, cell), no duplicates.
class FaultMap {
 public:
  FaultMap() = default;
  /// Sorts the cells; std::invalid_argument on a cell outside the geometry or a duplicate
  /// (callers reading files validate first and raise located errors).
  FaultMap(FaultGeometry geometry, std::vector<CellFault> cells);

  const FaultGeometry& geometry() const { return geometry_; }
  const std::vector<CellFault>& cells() const { return cells_; }
  size_t size() const { return cells_.size(); }

  /// One entry per word with at least one failing cell, in (bank, row) order: exactly what
  /// WeightMemory::set_faults takes.
  std::vector<std::pair<WordAddress, WordFaultMasks>> word_faults() const;
  FaultCounts counts() const;

 private:
  FaultGeometry geometry_;
  std::vector<CellFault> cells_;
};

/// Adds one failing cell to a word's masks (stuck-at-0 -> and, stuck-at-1 -> or, flip -> xor).
void add_cell_fault(WordFaultMasks& masks, int cell, int data_bits, CellFaultType type);

}  // namespace lvsim
