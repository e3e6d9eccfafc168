#include "memory/secded.h"

#include <bit>
#include <stdexcept>
#include <string>

namespace lvsim {

int Secded::check_bits_for(int data_bits) {
  switch (data_bits) {
    case 8:
      return 5;
    case 16:
      return 6;
    case 32:
      return 7;
    case 64:
      return 8;
    default:
      return 0;
  }
}

Secded::Secded(int data_bits) : data_bits_(data_bits) {
  if (check_bits_for(data_bits) == 0)
    throw std::invalid_argument("SECDED supports 8, 16, 32 or 64 data bits, not " + std::to_string(data_bits));
  hamming_bits_ = check_bits_for(data_bits) - 1;
  data_mask_ = data_bits == 64 ? ~uint64_t(0) : (uint64_t(1) << data_bits) - 1;
  data_at_position_.fill(-1);
  int pos = 1;
  for (int i = 0; i < data_bits; ++i) {
    while (std::has_single_bit(unsigned(pos))) ++pos;
    position_of_data_[i] = pos;
    data_at_position_[pos] = int8_t(i);
    for (int k = 0; k < hamming_bits_; ++k)
      if (pos & (1 << k)) parity_masks_[k] |= uint64_t(1) << i;
    ++pos;
  }
}

uint16_t Secded::hamming(uint64_t data) const {
  uint16_t h = 0;
  for (int k = 0; k < hamming_bits_; ++k) h |= uint16_t((std::popcount(data & parity_masks_[k]) & 1) << k);
  return h;
}

uint16_t Secded::encode(uint64_t data) const {
  data &= data_mask_;
  uint16_t h = hamming(data);
  int overall = (std::popcount(data) + std::popcount(unsigned(h))) & 1;
  return uint16_t(h | (overall << hamming_bits_));
}

SecdedDecode Secded::decode(uint64_t data, uint16_t check) const {
  data &= data_mask_;
  const uint16_t check_mask = uint16_t((1u << (hamming_bits_ + 1)) - 1);
  check &= check_mask;
  const unsigned syndrome = unsigned(hamming(data) ^ (check & ((1u << hamming_bits_) - 1)));
  const int parity = (std::popcount(data) + std::popcount(unsigned(check))) & 1;
  SecdedDecode r;
  r.data = data;
  if (syndrome == 0 && parity == 0) return r;
  if (parity == 0) {  // even number of flips with a non-zero syndrome: a double error
    r.status = EccStatus::Detected;
    return r;
  }
  if (syndrome == 0) {  // the overall parity bit itself flipped
    r.status = EccStatus::Corrected;
    r.corrected_cell = data_bits_ + hamming_bits_;
    return r;
  }
  if (std::has_single_bit(syndrome)) {  // a Hamming check bit flipped
    r.status = EccStatus::Corrected;
    r.corrected_cell = data_bits_ + std::countr_zero(syndrome);
    return r;
  }
  const int i = syndrome < data_at_position_.size() ? data_at_position_[syndrome] : -1;
  if (i < 0) {  // odd number (>= 3) of flips pointing outside the codeword
    r.status = EccStatus::Detected;
    return r;
  }
  r.data = data ^ (uint64_t(1) << i);
  r.status = EccStatus::Corrected;
  r.corrected_cell = i;
  return r;
}

}  // namespace lvsim
