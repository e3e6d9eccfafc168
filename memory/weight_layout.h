// Where every quantized weight lives in the weight SRAM (docs/architecture.md, "Weight SRAM
// mapping"). Layers with weights (and groupnorm parameters unless they sit in the protected
// register file: Network::params_in_weight_sram) are packed in network order, each starting at a fresh global
// word; inside a layer, weights (m bits each, in WeightTensor layout order) are packed
// floor(word_bits / m) per word, LSB first, never straddling words. Global word w lives in bank
// w % banks, row w / banks, so consecutive words of a fold spread over all banks.
//
// Global words number the network's weight image (its DRAM copy). Resident weights (the default)
// occupy physical words 0 .. words_used()-1, one each. Streamed weights (dram.weights "streamed")
// pass through the SRAM as a ring: global word w always lands in physical word w mod words(), so
// weights of different layers that share a physical word share its faulty cells, and every weight
// has one as-read value per chip (the fast path's assumption). As words() is a multiple of banks,
// a word's bank is w % banks either way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "memory/weight_sram_params.h"
#include "memory/word_faults.h"
#include "workloads/network/network.h"

namespace lvsim {

/// Position of one weight: bank, row, and the bit offset of the weight's LSB in the word.
struct WeightLocation {
  int bank = 0;
  int64_t row = 0;
  int bit = 0;
  bool operator==(const WeightLocation&) const = default;
};

/// Immutable weight index -> (bank, row, bit) mapping of one network on one SRAM geometry.
class WeightLayout {
 public:
  /// ConfigError "weight SRAM too small: network needs X words, banks*rows_per_bank = Y" if a
  /// resident network does not fit (a streamed one may be larger); ConfigError if params are invalid.
  WeightLayout(const WeightSramParams& params, const Network& net);

  /// Location of weight `index` (WeightTensor layout order) of layer `layer` (network layer index).
  WeightLocation locate(int layer, int64_t index) const {
    const LayerSpan& s = spans_[size_t(layer)];
    const int64_t w = physical_word(s.first_word + index / s.weights_per_word);
    return {int(w % banks_), w / banks_, int(index % s.weights_per_word) * s.bits};
  }
  /// Global word holding weight `index` of `layer`.
  int64_t global_word(int layer, int64_t index) const {
    const LayerSpan& s = spans_[size_t(layer)];
    return s.first_word + index / s.weights_per_word;
  }
  /// floor(word_bits / m); 0 for layers without weights.
  int weights_per_word(int layer) const { return spans_[size_t(layer)].weights_per_word; }
  /// m of the layer's weights (0 for layers without weights).
  int weight_bits(int layer) const { return spans_[size_t(layer)].bits; }
  /// Global word number of the layer's first word (layers without weights: where the next layer starts).
  int64_t first_word(int layer) const { return spans_[size_t(layer)].first_word; }
  /// Words the layer occupies: ceil(weights / weights_per_word).
  int64_t words(int layer) const { return spans_[size_t(layer)].words; }
  /// Weights of the layer.
  int64_t weight_count(int layer) const { return spans_[size_t(layer)].weights; }
  int layer_count() const { return int(spans_.size()); }

  /// True when the weights are streamed through the SRAM (ring placement).
  bool streamed() const { return streamed_; }
  /// Physical word of global word w: w (resident) or w mod words() (streamed).
  int64_t physical_word(int64_t global_word) const { return streamed_ ? global_word % capacity_ : global_word; }
  /// Physical word number of an address: row * banks + bank.
  int64_t physical_word(WordAddress a) const { return a.row * banks_ + a.bank; }
  /// Where global word w lives, interleaved: bank = p % banks, row = p / banks (p its physical word).
  WordAddress word_address(int64_t global_word) const {
    const int64_t p = physical_word(global_word);
    return {int(p % banks_), p / banks_};
  }
  /// Words holding weights (the used global words are 0 .. words_used()-1).
  int64_t words_used() const { return words_used_; }
  /// Physical words of the SRAM (banks * rows_per_bank).
  int64_t capacity_words() const { return capacity_; }
  /// Layer whose weights occupy global word w, or -1 if w is not used.
  int layer_of_word(int64_t global_word) const;

 private:
  struct LayerSpan {
    int bits = 0;
    int weights_per_word = 0;
    int64_t weights = 0;
    int64_t first_word = 0;
    int64_t words = 0;
  };
  int banks_;
  int64_t capacity_;
  bool streamed_;
  std::vector<LayerSpan> spans_;
  int64_t words_used_ = 0;
};

}  // namespace lvsim
