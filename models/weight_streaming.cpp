#include "models/weight_streaming.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "common/errors.h"
#include "models/timing_model.h"

namespace lvsim {

int WeightStreamPlan::unit_of_fold(int64_t fold) const {
  auto it = std::upper_bound(units.begin(), units.end(), fold,
                             [](int64_t f, const StreamUnit& u) { return f < u.first_fold; });
  return int(it - units.begin()) - 1;
}

int64_t dram_transfer_cycles(const ArchitectureParams& arch, int64_t bytes) {
  if (bytes <= 0) return 0;
  return int64_t(std::ceil(double(bytes) * arch.clock_hz / arch.dram_bandwidth_bytes_per_s));
}

WeightStreamPlan plan_weight_stream(const ArchitectureParams& arch, const Network& net, int layer) {
  const Layer& L = net.layers.at(size_t(layer));
  if (!arch.weight_sram.streamed || !L.has_weights() || L.weight.stored.empty()) return {};
  return plan_weight_stream(arch, net, layer, WeightLayout(arch.weight_sram, net));
}

WeightStreamPlan plan_weight_stream(const ArchitectureParams& arch, const Network& net, int layer,
                                    const WeightLayout& layout) {
  WeightStreamPlan plan;
  const Layer& L = net.layers.at(size_t(layer));
  if (!arch.weight_sram.streamed || !L.has_weights() || L.weight.stored.empty()) return plan;
  const GemmMapping g = map_gemm(arch, L);
  const int64_t K = g.k, N = g.n, wpw = layout.weights_per_word(layer), first = layout.first_word(layer);
  const int64_t cap = layout.capacity_words();
  // Filters per unit and folds per unit (the fold order is group, column tile, row tile).
  const bool per_group = arch.dataflow == Dataflow::InputStationary;
  const int64_t tiles_per_group = per_group ? 1 : g.col_tiles;
  const int64_t folds_per_unit = per_group ? g.col_tiles * g.row_tiles : g.row_tiles;
  int64_t loaded_to = first - 1;  // last global word loaded so far in this layer
  for (int64_t grp = 0; grp < g.groups; ++grp)
    for (int64_t t = 0; t < tiles_per_group; ++t) {
      const int64_t o0 = grp * N + (per_group ? 0 : t * arch.cols);
      const int64_t o1 = per_group ? o0 + N : std::min(o0 + arch.cols, (grp + 1) * N);
      StreamUnit u;
      u.first_word = first + (o0 * K) / wpw;
      u.last_word = first + (o1 * K - 1) / wpw;
      const int64_t span = u.last_word - u.first_word + 1;
      if (span > cap)
        throw ConfigError("weight SRAM too small for streamed weights: layer '" + L.name + "' streams " +
                          std::to_string(o1 - o0) + " filters x " + std::to_string(K) + " weights at once (" +
                          std::to_string(span) + " words), banks*rows_per_bank = " + std::to_string(cap));
      u.new_words = u.last_word - std::max(u.first_word, loaded_to + 1) + 1;
      loaded_to = std::max(loaded_to, u.last_word);
      u.dram_bytes = (u.new_words * arch.weight_sram.word_bits + 7) / 8;
      u.dram_cycles = dram_transfer_cycles(arch, u.dram_bytes);
      u.first_fold = int64_t(plan.units.size()) * folds_per_unit;
      u.last_fold = u.first_fold + folds_per_unit - 1;
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
