// Transient read errors: every cell read flips with probability rate_per_bit, afresh on every pass.
// "Fresh" is keyed, not sequenced: the flipped cells of one layer are a pure function of (seed,
// image index, layer), drawn over the layer's cells in word order, so the fast path (one
// read_layer per image and layer, or only the changed weights) and the cycle path (read_word in
// controller order, possibly re-reading a word for several folds) see identical corrupted bits.
// A word read several times within one image and layer sees the same transient pattern each
// time (docs/fault-maps.md, "Transient read errors"). The cost is proportional to the flips, not
// to the words: at 1e-4 a 7 Mbit network draws ~700 numbers per image.
#pragma once

#include <cstdint>
#include <vector>

#include "common/rng.h"
#include "memory/fault_map.h"
#include "memory/word_faults.h"

namespace lvsim {

/// Two independent sources of transient flips (e.g. --transient-ber and a measured chip's
/// voltage-dependent rate, BitcellFailureParams::transient_ber_at): a bit flips if either flips it,
/// 1 - (1 - a)(1 - b); exactly a when b = 0.
inline double combined_transient_ber(double a, double b) {
  return b == 0.0 ? a : a == 0.0 ? b : 1.0 - (1.0 - a) * (1.0 - b);
}

/// Deterministic generator of per-(image, layer) transient flips.
class TransientReadErrors {
 public:
  /// ConfigError (field "transient_ber") unless 0 <= rate_per_bit <= 1.
  TransientReadErrors(double rate_per_bit, const FaultGeometry& geometry, uint64_t seed);
  bool enabled() const { return rate_ > 0.0; }
  double rate_per_bit() const { return rate_; }
  int cells_per_word() const { return cells_per_word_; }
  int data_bits() const { return data_bits_; }
  /// Flipped cells, ascending, among the `cells` cells of a layer's words (cell k·cells_per_word + b
  /// is cell b of the layer's k-th word: data bits, then check bits) when image `image` reads
  /// layer `layer`. Every cell flips independently with probability rate_per_bit (geometric
  /// skipping from the (seed, image, layer) stream). Thread-safe.
  std::vector<int64_t> flipped_cells(int64_t image, int layer, int64_t cells) const;
  /// Calls f(cell) for the same cells, ascending, without holding them (memory does not grow with
  /// the rate: at rate 1 a layer's every cell flips).
  template <class F>
  void for_each_flipped_cell(int64_t image, int layer, int64_t cells, F f) const {
    if (rate_ <= 0.0 || cells <= 0) return;
    if (rate_ >= 1.0) {  // every gap is 0
      for (int64_t c = 0; c < cells; ++c) f(c);
      return;
    }
    FlipGaps gaps(*this, image, layer);
    for (double cell = gaps.next(); cell < double(cells); cell += gaps.next() + 1.0) f(int64_t(cell));
  }

 private:
  /// Gaps between flipped cells of one (image, layer): geometric, from its own stream.
  class FlipGaps {
   public:
    FlipGaps(const TransientReadErrors& t, int64_t image, int layer);
    double next();

   private:
    SplitMix64 rng_;
    double log_keep_;
  };

  double rate_;
  int data_bits_;
  int cells_per_word_;
  uint64_t key_;
  double log_keep_;  // log(1 - rate)
};

}  // namespace lvsim
