#include "models/weight_streaming.h"

#include <algorithm>
#include <string>

#include "common/errors.h"
#include "models/timing_model.h"

namespace lvsim {

int WeightStreamPlan::unit_of_fold(int64_t fold) const {
  auto it = std::upper_bound(units.begin(), units.end(), fold,
                             [](int64_t f, const StreamUnit& u) { return f < u.first_fold; });
  return int(it - units.begin()) - 1;
}

WeightStreamPlan plan_weight_stream(const ArchitectureParams& arch, const Network& net, int layer) {
  const Layer& L = net.layers.at(size_t(layer));
  if (!arch.weight_sram.streamed || !L.has_weights() || L.weight.stored.empty()) return {};
  return plan_weight_stream(arch, net, layer, WeightLayout(arch.weight_sram, net));
}

WeightStreamPlan plan_weight_stream(const ArchitectureParams& arch, const Network& net, int layer,
                                    const WeightLayout& layout) {
  const Layer& L = net.layers.at(size_t(layer));
  if (!arch.weight_sram.streamed || !L.has_weights() || L.weight.stored.empty()) return {};
  return plan_weight_stream(arch, net, layer, layout, plan_folds(arch, map_gemm(arch, net, layer)));
}

WeightStreamPlan plan_weight_stream(const ArchitectureParams& arch, const Network& net, int layer,
                                    const WeightLayout& layout, const FoldPlan& folds) {
  WeightStreamPlan plan;
  const Layer& L = net.layers.at(size_t(layer));
  if (!arch.weight_sram.streamed || !L.has_weights() || L.weight.stored.empty()) return plan;
  const int64_t K = folds.gemm.k, cap = layout.capacity_words();
  int64_t loaded_to = layout.first_word(layer) - 1;  // last global word loaded so far in this layer
  for (const FoldUnit& f : folds.units) {
    StreamUnit u;
    u.first_word = layout.global_word(layer, f.o0 * K);
    u.last_word = layout.global_word(layer, f.o1 * K - 1);
    const int64_t span = u.last_word - u.first_word + 1;
    if (span > cap)
      throw ConfigError("weight SRAM too small for streamed weights: layer '" + L.name + "' streams " +
                        std::to_string(f.o1 - f.o0) + " filters x " + std::to_string(K) + " weights at once (" +
                        std::to_string(span) + " words), banks*rows_per_bank = " + std::to_string(cap));
    u.new_words = u.last_word - std::max(u.first_word, loaded_to + 1) + 1;
    loaded_to = std::max(loaded_to, u.last_word);
    u.dram_bytes = (u.new_words * arch.weight_sram.word_bits + 7) / 8;
    u.dram_cycles = dram_transfer_cycles(arch, u.dram_bytes);
    u.first_fold = f.first_fold;
    u.last_fold = f.last_fold;
    plan.units.push_back(u);
  }
  // A burst writes physical words last_word - cap + 1 .. ; their previous occupants are the global
  // words up to last_word - cap: every unit starting at or before that must have been fetched.
  // (last_word - cap grows with u, so one pointer walks the units once.)
  size_t v = 0;
  for (size_t u = 0; u < plan.units.size(); ++u) {
    const int64_t overwritten = plan.units[u].last_word - cap;
    while (v < u && plan.units[v].first_word <= overwritten) ++v;
    plan.units[u].wait_unit = int(v) - 1;
    plan.words += plan.units[u].new_words;
    plan.dram_bytes += plan.units[u].dram_bytes;
  }
  return plan;
}

}  // namespace lvsim
