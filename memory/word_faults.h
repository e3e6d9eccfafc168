// The contract between fault models (which cells fail, how) and the SRAM read path (where faults
// act): a faulty word reads as ((stored & and_mask) | or_mask) ^ xor_mask, separately for the data
// bits (up to 64) and the ECC check bits (up to 16, stored in the same faulty array).
// Stuck-at-0 clears a bit in and_mask, stuck-at-1 sets it in or_mask, a persistent read-flip sets
// it in xor_mask. Data bit i of a word is cell i of that (bank, row); check bit j is cell
// data_bits + j (docs/fault-maps.md).
#pragma once

#include <cstdint>

namespace lvsim {

struct WordFaultMasks {
  uint64_t and_mask = ~uint64_t(0);
  uint64_t or_mask = 0;
  uint64_t xor_mask = 0;
  uint16_t check_and_mask = 0xFFFF;
  uint16_t check_or_mask = 0;
  uint16_t check_xor_mask = 0;

  uint64_t apply(uint64_t stored) const { return ((stored & and_mask) | or_mask) ^ xor_mask; }
  uint16_t apply_check(uint16_t stored) const {
    return uint16_t(((stored & check_and_mask) | check_or_mask) ^ check_xor_mask);
  }
  bool empty() const {
    return and_mask == ~uint64_t(0) && or_mask == 0 && xor_mask == 0 && check_and_mask == 0xFFFF &&
           check_or_mask == 0 && check_xor_mask == 0;
  }
};

/// Address of one word of the weight SRAM.
struct WordAddress {
  int bank = 0;
  int64_t row = 0;
  bool operator==(const WordAddress&) const = default;
};

}  // namespace lvsim
