#include "memory/sram_bank.h"

#include <stdexcept>
#include <string>

namespace lvsim {

SramBank::SramBank(int64_t rows, int word_bits, int check_bits)
    : word_bits_(word_bits),
      check_bits_(check_bits),
      data_mask_(word_bits >= 64 ? ~uint64_t(0) : (uint64_t(1) << word_bits) - 1),
      check_mask_(uint16_t(check_bits >= 16 ? 0xFFFF : (1u << check_bits) - 1)) {
  if (rows < 1 || word_bits < 1 || word_bits > 64 || check_bits < 0 || check_bits > 16)
    throw std::invalid_argument("SramBank: bad geometry");
  data_.assign(size_t(rows), 0);
  if (check_bits > 0) check_.assign(size_t(rows), 0);
}

void SramBank::throw_bad_row(int64_t row) const {
  throw std::out_of_range("SramBank: row " + std::to_string(row) + " outside 0.." + std::to_string(rows() - 1));
}

void SramBank::write(int64_t row, uint64_t data, uint16_t check) {
  check_row(row);
  ++stats_.writes;
  data_[size_t(row)] = data & data_mask_;
  if (!check_.empty()) check_[size_t(row)] = uint16_t(check & check_mask_);
}

void SramBank::set_fault(int64_t row, const WordFaultMasks& m) {
  check_row(row);
  if (slot_.empty()) slot_.assign(data_.size(), -1);
  int32_t& s = slot_[size_t(row)];
  if (s >= 0) {
    masks_[size_t(s)] = m;  // an empty mask leaves a harmless identity slot
    return;
  }
  if (m.empty()) return;
  s = int32_t(masks_.size());
  masks_.push_back(m);
  faulty_.push_back(row);
}

void SramBank::clear_faults() {
  for (int64_t r : faulty_) slot_[size_t(r)] = -1;
  faulty_.clear();
  masks_.clear();
}

}  // namespace lvsim
