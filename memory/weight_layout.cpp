#include "memory/weight_layout.h"

#include <algorithm>
#include <string>

#include "common/errors.h"

namespace lvsim {

WeightLayout::WeightLayout(const WeightSramParams& params, const Network& net)
    : banks_(params.banks), capacity_(params.words()), streamed_(params.streamed) {
  params.validate();
  const std::string file = !net.source_file.empty() ? net.source_file : !net.name.empty() ? net.name : "network";
  int64_t next = 0;
  spans_.resize(net.layers.size());
  for (size_t l = 0; l < net.layers.size(); ++l) {
    const Layer& layer = net.layers[l];
    LayerSpan& s = spans_[l];
    s.first_word = next;
    if (!net.params_in_weight_sram(layer) || layer.weight.stored.empty()) continue;
    s.bits = layer.weight.bits;
    if (s.bits < 1 || s.bits > params.word_bits)
      throw ConfigError(located(file, "layers[" + std::to_string(l) + "]",
                                "weight bits " + std::to_string(s.bits) + " do not fit a " +
                                    std::to_string(params.word_bits) + "-bit SRAM word"));
    s.weights_per_word = params.word_bits / s.bits;
    s.weights = int64_t(layer.weight.stored.size());
    s.words = (s.weights + s.weights_per_word - 1) / s.weights_per_word;
    next += s.words;
  }
  words_used_ = next;
  if (!streamed_ && words_used_ > params.words())
    throw ConfigError(located(file, "",
                              "weight SRAM too small: network needs " + std::to_string(words_used_) +
                                  " words, banks*rows_per_bank = " + std::to_string(params.words()) +
                                  " (dram.weights \"streamed\" streams a larger network through it)"));
}

int WeightLayout::layer_of_word(int64_t global_word) const {
  if (global_word < 0 || global_word >= words_used_) return -1;
  // Spans are ordered by first_word; the owner is the last span with words starting at or before w.
  auto it = std::upper_bound(spans_.begin(), spans_.end(), global_word,
                             [](int64_t w, const LayerSpan& s) { return w < s.first_word; });
  while (it != spans_.begin()) {
    --it;
    if (it->words > 0 && global_word < it->first_word + it->words) return int(it - spans_.begin());
  }
  return -1;
}

}  // namespace lvsim
