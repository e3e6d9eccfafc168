// Transient read errors: every cell read flips with probability rate_per_bit, afresh on every pass.
// "Fresh" is keyed, not sequenced: the flips of a word are a pure function of (seed, image index,
// layer, bank, row), so the fast path (one read_layer per image and layer) and the cycle path
// (read_word in controller order, possibly re-reading a word for several folds) see identical
// corrupted bits. A word read several times within one image and layer sees the same transient
// pattern each time (docs/fault-maps.md, "Transient read errors").
#pragma once

#include <cstdint>

#include "memory/fault_map.h"
#include "memory/word_faults.h"

namespace lvsim {

/// Deterministic generator of per-read transient flip masks.
class TransientReadErrors {
 public:
  /// ConfigError (field "transient_ber") unless 0 <= rate_per_bit <= 1.
  TransientReadErrors(double rate_per_bit, const FaultGeometry& geometry, uint64_t seed);
  bool enabled() const { return rate_ > 0.0; }
  double rate_per_bit() const { return rate_; }
  /// XOR masks (data and check bits) of word `a` read for image `image` in layer `layer`: one hash
  /// per word, plus one draw per flipped bit.
  WordFaultMasks masks(int64_t image, int layer, WordAddress a) const;

 private:
  double rate_;
  int data_bits_;
  int cells_per_word_;
  uint64_t key_;
  double any_error_;  // P(at least one flip in a word) = 1 - (1 - rate)^cells_per_word
  double log_keep_;   // log(1 - rate)
};

}  // namespace lvsim
