// One weight SRAM bank: clean stored words (data + check bits) and the persistent faults of its
// cells, applied on every read. Writes store clean values; faults act only where cells are read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "memory/word_faults.h"

namespace lvsim {

struct SramBankStats {
  int64_t reads = 0, writes = 0;
  void reset() { *this = SramBankStats{}; }
};

/// A word as it leaves (or enters) the bit-cell array.
struct SramWord {
  uint64_t data = 0;
  uint16_t check = 0;
  bool operator==(const SramWord&) const = default;
};

/// Storage of rows words of word_bits data + check_bits check bits, with per-row fault masks.
/// Host memory grows with the rows written (and the faulty rows), not with the declared rows: an
/// SRAM declared far larger than the network it holds costs nothing for its idle rows.
class SramBank {
 public:
  /// word_bits 1..64, check_bits 0..16. Storage starts all-zero (a valid SECDED codeword);
  /// `reserve_rows` (<= rows) is a hint of the rows that will be written.
  SramBank(int64_t rows, int word_bits, int check_bits, int64_t reserve_rows = 0);

  int64_t rows() const { return rows_; }
  int word_bits() const { return word_bits_; }
  int check_bits() const { return check_bits_; }

  /// Stores a clean word (bits above word_bits / check_bits dropped). Counts one write.
  void write(int64_t row, uint64_t data, uint16_t check = 0);
  /// The word as read: the row's fault masks applied to data and check bits. Counts one read.
  SramWord read(int64_t row) {
    check_row(row);
    ++stats_.reads;
    return sense(row);
  }
  /// As read(row) when the row holds `w` (see sense(row, w)). Counts one read.
  SramWord read(int64_t row, SramWord w) {
    check_row(row);
    ++stats_.reads;
    return sense(row, w);
  }
  /// As read, without counting or range check (a caller that counts reads itself; row in range).
  SramWord sense(int64_t row) const { return sense(row, stored(row)); }
  /// As read when the row holds `w` instead of its stored word (a streamed weight SRAM, whose rows
  /// hold one weight word after another: the owner keeps the words, the bank its cells' faults).
  SramWord sense(int64_t row, SramWord w) const {
    if (const WordFaultMasks* m = fault(row)) {
      w.data = m->apply(w.data) & data_mask_;
      w.check = uint16_t(m->apply_check(w.check) & check_mask_);
    }
    return w;
  }
  /// The clean stored word (no faults, not counted).
  SramWord stored(int64_t row) const {
    if (row >= int64_t(data_.size())) return SramWord{};  // never written: all zero
    return {data_[size_t(row)], check_.empty() ? uint16_t(0) : check_[size_t(row)]};
  }
  /// Counts n reads served in bulk (e.g. a whole layer read by the fast path).
  void count_reads(int64_t n) { stats_.reads += n; }

  /// Sets the persistent fault masks of one row (replacing that row's previous masks; empty masks
  /// make the row clean).
  void set_fault(int64_t row, const WordFaultMasks& m);
  /// The row's fault masks, or nullptr if the row is clean.
  const WordFaultMasks* fault(int64_t row) const {
    if (row < int64_t(slot_.size())) return slot_[size_t(row)] < 0 ? nullptr : &masks_[size_t(slot_[size_t(row)])];
    if (far_slot_.empty()) return nullptr;
    const auto it = far_slot_.find(row);
    return it == far_slot_.end() || it->second < 0 ? nullptr : &masks_[size_t(it->second)];
  }
  /// Makes every row clean (cost proportional to the number of faulty rows).
  void clear_faults();
  int64_t faulty_rows() const { return int64_t(faulty_.size()); }

  SramBankStats& stats() { return stats_; }
  const SramBankStats& stats() const { return stats_; }

 private:
  void check_row(int64_t row) const {
    if (row < 0 || row >= rows()) throw_bad_row(row);
  }
  [[noreturn]] void throw_bad_row(int64_t row) const;

  /// The mask slot of a row (-1: clean), for set_fault.
  int32_t& slot_of(int64_t row);
  void sync_slots();

  int64_t rows_;
  int word_bits_, check_bits_;
  uint64_t data_mask_;
  uint16_t check_mask_;
  std::vector<uint64_t> data_;   // rows 0 .. data_.size()-1 (the rows written so far); later rows read 0
  std::vector<uint16_t> check_;  // as data_; empty without check bits
  std::vector<int32_t> slot_;    // per row of data_: index into masks_, -1 clean; empty until a fault is set
  std::unordered_map<int64_t, int32_t> far_slot_;  // faulty rows beyond slot_ (never written)
  std::vector<WordFaultMasks> masks_;
  std::vector<int64_t> faulty_;  // rows with a slot (unordered)
  SramBankStats stats_;
};

}  // namespace lvsim
