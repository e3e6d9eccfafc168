#include "memory/sram_bank.h"

#include <climits>
#include <stdexcept>
#include <string>

namespace lvsim {

SramBank::SramBank(int64_t rows, int word_bits, int check_bits, int64_t reserve_rows)
    : rows_(rows),
      word_bits_(word_bits),
      check_bits_(check_bits),
      data_mask_(word_bits >= 64 ? ~uint64_t(0) : (uint64_t(1) << word_bits) - 1),
      check_mask_(uint16_t(check_bits >= 16 ? 0xFFFF : (1u << check_bits) - 1)) {
  if (rows < 1 || word_bits < 1 || word_bits > 64 || check_bits < 0 || check_bits > 16)
    throw std::invalid_argument("SramBank: bad geometry");
  if (reserve_rows < 0 || reserve_rows > rows) throw std::invalid_argument("SramBank: bad reserve_rows");
  data_.reserve(size_t(reserve_rows));
  if (check_bits > 0) check_.reserve(size_t(reserve_rows));
}

void SramBank::throw_bad_row(int64_t row) const {
  throw std::out_of_range("SramBank: row " + std::to_string(row) + " outside 0.." + std::to_string(rows() - 1));
}

void SramBank::write(int64_t row, uint64_t data, uint16_t check) {
  check_row(row);
  ++stats_.writes;
  if (row >= int64_t(data_.size())) {
    data_.resize(size_t(row) + 1, 0);
    if (check_bits_ > 0) check_.resize(size_t(row) + 1, 0);
    if (!slot_.empty() || !far_slot_.empty()) sync_slots();
  }
  data_[size_t(row)] = data & data_mask_;
  if (!check_.empty()) check_[size_t(row)] = uint16_t(check & check_mask_);
}

// slot_ covers exactly the stored rows once any fault is set; faults of rows that became stored
// move from the sparse map into it.
void SramBank::sync_slots() {
  const size_t old = slot_.size();
  slot_.resize(data_.size(), -1);
  for (size_t r = old; r < slot_.size() && !far_slot_.empty(); ++r) {
    const auto it = far_slot_.find(int64_t(r));
    if (it == far_slot_.end()) continue;
    slot_[r] = it->second;
    far_slot_.erase(it);
  }
}

int32_t& SramBank::slot_of(int64_t row) {
  if (slot_.size() < data_.size()) sync_slots();
  if (row < int64_t(slot_.size())) return slot_[size_t(row)];
  return far_slot_.try_emplace(row, -1).first->second;
}

void SramBank::set_fault(int64_t row, const WordFaultMasks& m) {
  check_row(row);
  if (!m.empty() && masks_.size() >= size_t(INT32_MAX)) throw std::length_error("SramBank: too many faulty rows");
  int32_t& s = slot_of(row);
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
  for (int64_t r : faulty_)
    if (r < int64_t(slot_.size())) slot_[size_t(r)] = -1;
  far_slot_.clear();
  faulty_.clear();
  masks_.clear();
}

}  // namespace lvsim
