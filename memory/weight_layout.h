// Where every quantized weight lives in the weight SRAM (docs/architecture.md, "Weight SRAM
// mapping"). Layers with weights are packed in network order, each starting at a fresh global
// word; inside a layer, weights (m bits each, in WeightTensor layout order) are packed
// floor(word_bits / m) per word, LSB first, never straddling words. Global word w lives in bank
// w % banks, row w / banks, so consecutive words of a fold spread over all banks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "memory/weight_sram_params.h"
#include "memory/word_faults.h"
#include "workloads/network.h"

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
  /// ConfigError "weight SRAM too small: network needs X words, banks*rows_per_bank = Y" if the
  /// network does not fit; ConfigError if params are invalid.
  WeightLayout(const WeightSramParams& params, const Network& net);

  /// Location of weight `index` (WeightTensor layout order) of layer `layer` (network layer index).
  WeightLocation locate(int layer, int64_t index) const {
    const LayerSpan& s = spans_[size_t(layer)];
    const int64_t w = s.first_word + index / s.weights_per_word;
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

  /// Interleaved: bank = w % banks, row = w / banks.
  WordAddress word_address(int64_t global_word) const { return {int(global_word % banks_), global_word / banks_}; }
  /// Inverse of word_address: row * banks + bank.
  int64_t global_word(WordAddress a) const { return a.row * banks_ + a.bank; }
  /// Words holding weights (the used words are 0 .. words_used()-1).
  int64_t words_used() const { return words_used_; }
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
  std::vector<LayerSpan> spans_;
  int64_t words_used_ = 0;
};

}  // namespace lvsim
