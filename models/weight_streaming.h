// Streamed weights (architecture dram.weights = "streamed"): how a layer's weights pass from DRAM
// through a weight SRAM smaller than the network (docs/timing-model.md, "Streamed weights").
//
// A layer's folds run in the order of its fold plan (models/dataflow.h). The folds that use the
// same filters run back to back (the plan's units), so the layer's weight image splits into
// streaming units, each a run of consecutive global words loaded by one DRAM burst before its first
// fold fetches:
//   WS, OS: one unit per (group, column tile): the C filters of the tile, all K weights each;
//   IS:     one unit per group: the group's N filters (every fold streams all of them).
// Words are written into the SRAM as a ring (global word w in physical word w mod capacity): a
// burst may overwrite a physical word only once every unit holding its previous occupant has been
// fetched by its last fold, and bursts run one after another at the DRAM bandwidth. Within a layer
// the bursts run ahead of the folds as far as the ring allows (double buffering and more); a layer's
// first burst starts with the layer (no prefetch across layers).
#pragma once

#include <cstdint>
#include <vector>

#include "memory/weight_layout.h"
#include "models/architecture.h"
#include "models/dataflow.h"
#include "workloads/network/network.h"

namespace lvsim {

/// One DRAM burst of a layer: the unit's global words [first_word, last_word] (its first word may be
/// the previous unit's last one, shared by two filters and loaded once) and the folds that use it.
struct StreamUnit {
  int64_t first_word = 0, last_word = 0;
  int64_t new_words = 0;    // words this burst writes (those not loaded by the previous burst)
  int64_t dram_bytes = 0;   // ceil(new_words * word_bits / 8): the data bits (check bits are encoded on chip)
  int64_t dram_cycles = 0;  // dram_transfer_cycles(dram_bytes)
  int64_t first_fold = 0, last_fold = 0;  // folds [first_fold, last_fold] use this unit
  int wait_unit = -1;                     // the burst may start once this unit's last fold has fetched (-1: at once)
};

/// A layer's streaming units, in burst order; empty for resident weights and layers without weights.
struct WeightStreamPlan {
  std::vector<StreamUnit> units;
  int64_t words = 0, dram_bytes = 0;  // sums over the units
  bool empty() const { return units.empty(); }
  /// The unit fold f uses (f within [0, folds)).
  int unit_of_fold(int64_t fold) const;
};

/// The streaming units of `layer`. ConfigError "weight SRAM too small for streamed weights: ..." when
/// one unit is larger than the SRAM.
WeightStreamPlan plan_weight_stream(const ArchitectureParams& arch, const Network& net, int layer);
/// As above with the network's layout on arch.weight_sram already built (check_fits, the controller).
WeightStreamPlan plan_weight_stream(const ArchitectureParams& arch, const Network& net, int layer,
                                    const WeightLayout& layout);
/// As above with the layer's fold plan (plan_folds) already built.
WeightStreamPlan plan_weight_stream(const ArchitectureParams& arch, const Network& net, int layer,
                                    const WeightLayout& layout, const FoldPlan& folds);

}  // namespace lvsim
