// SECDED (single error correction, double error detection) extended Hamming code for 8/16/32/64
// data bits: (13,8), (22,16), (39,32), (72,64). Code construction: docs/architecture.md, "ECC".
#pragma once

#include <array>
#include <cstdint>

namespace lvsim {

enum class EccStatus {
  Ok,         // syndrome and overall parity zero: no error seen
  Corrected,  // single error: a data bit (flipped back) or a check bit (data already right)
  Detected,   // double (or, with odd parity, an impossible position) error: data returned as read
};

/// Result of decoding one word.
struct SecdedDecode {
  uint64_t data = 0;  // corrected data (as read when Detected)
  EccStatus status = EccStatus::Ok;
  int corrected_cell = -1;  // Corrected: data bit i -> i, check bit j -> data_bits + j; else -1
};

/// Extended Hamming code over one word; encode/decode are branch-light (a few popcounts).
class Secded {
 public:
  /// data_bits must be 8, 16, 32 or 64 (std::invalid_argument otherwise).
  explicit Secded(int data_bits);

  /// Check bits for a data width: 5, 6, 7, 8 for 8, 16, 32, 64; 0 for unsupported widths.
  static int check_bits_for(int data_bits);

  int data_bits() const { return data_bits_; }
  int check_bits() const { return hamming_bits_ + 1; }

  /// Check bits of `data` (bits above data_bits ignored): bits 0..r-1 are the Hamming parities of
  /// codeword positions 1, 2, 4, ..., bit r the overall parity of data and Hamming bits.
  uint16_t encode(uint64_t data) const;
  /// Classifies and corrects a word read as (data, check).
  SecdedDecode decode(uint64_t data, uint16_t check) const;

  /// Codeword position (1..n-1, never a power of two) of data bit i: data bits fill the
  /// non-power-of-two positions in increasing order.
  int data_position(int i) const { return position_of_data_[i]; }

 private:
  uint16_t hamming(uint64_t data) const;

  int data_bits_;
  int hamming_bits_;  // r: 2^r >= data_bits + r + 1
  uint64_t data_mask_;
  std::array<uint64_t, 8> parity_masks_{};  // data bits covered by Hamming check bit k
  std::array<int, 64> position_of_data_{};
  std::array<int8_t, 128> data_at_position_{};  // -1: check bit position or unused
};

}  // namespace lvsim
