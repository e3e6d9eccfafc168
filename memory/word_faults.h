// The contract between fault models (which cells fail, how) and the SRAM read path (where faults
// act): a faulty word reads as ((stored & and_mask) | or_mask) ^ xor_mask.
// Stuck-at-0 clears a bit in and_mask, stuck-at-1 sets it in or_mask, a persistent read-flip sets
// it in xor_mask. Bit i of a word is cell i of that (bank, row); words are at most 64 bits wide
// including ECC check bits (check bits sit above the data bits, see docs/fault-maps.md).
#pragma once

#include <cstdint>

namespace lvsim {

struct WordFaultMasks {
  uint64_t and_mask = ~uint64_t(0);
  uint64_t or_mask = 0;
  uint64_t xor_mask = 0;
  uint64_t apply(uint64_t stored) const { return ((stored & and_mask) | or_mask) ^ xor_mask; }
  bool empty() const { return and_mask == ~uint64_t(0) && or_mask == 0 && xor_mask == 0; }
};

/// Address of one word of the weight SRAM.
struct WordAddress {
  int bank = 0;
  int64_t row = 0;
  bool operator==(const WordAddress&) const = default;
};

}  // namespace lvsim
