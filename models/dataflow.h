// The dataflow of the systolic array, one owner: how a layer's per-group GEMM maps onto the array
// (extents, stream length), the fold plan (which tile of the array each fold covers and which
// weights it uses, in execution order), the weight words each fold fetches, the streaming units
// (runs of folds sharing their filters), and the per-dataflow count rules of the closed form.
// The cycle-level controller (models/controller.cpp), the closed-form timing
// (models/timing_model.cpp) and the weight streamer (models/weight_streaming.cpp) all walk this
// plan. Adding a dataflow: one DataflowRules implementation in dataflow.cpp (plus its name in
// models/architecture.cpp and its edge schedule in the controller). docs/timing-model.md.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "energy/action_counts.h"
#include "memory/weight_layout.h"
#include "models/architecture.h"
#include "workloads/network/network.h"

namespace lvsim {

/// How a conv/linear layer's per-group GEMM (M pixels, K reduction, N filters) maps onto the
/// array: the extents tiled over array rows and columns, and the streamed length T per fold.
struct GemmMapping {
  Dataflow dataflow = Dataflow::WeightStationary;
  int64_t groups = 1, m = 0, k = 0, n = 0;
  int64_t row_extent = 0;                // WS: K, OS: M, IS: K
  int64_t col_extent = 0;                // WS: N, OS: N, IS: M
  int64_t stream = 0;                    // T: WS: M, OS: K, IS: N
  int64_t row_tiles = 0, col_tiles = 0;  // ceil(extent / array dimension)
  int64_t folds() const { return groups * row_tiles * col_tiles; }
};

/// One fold: an array tile of rows x cols from (row0, col0) of group `group`, and the weights it
/// uses, filters [o0, o1) x reduction indices [k0, k1) (o counts over all groups).
struct Fold {
  int64_t group = 0, row0 = 0, rows = 0, col0 = 0, cols = 0;
  int64_t o0 = 0, o1 = 0, k0 = 0, k1 = 0;
};

/// Consecutive folds that use the same filters [o0, o1) (each with all K weights): the unit one
/// DRAM burst loads when weights are streamed (models/weight_streaming.h).
struct FoldUnit {
  int64_t o0 = 0, o1 = 0;
  int64_t first_fold = 0, last_fold = 0;  // folds [first_fold, last_fold]
};

/// A layer's folds in execution order (group, then column tiles, then row tiles: WS/IS K-folds of
/// one output tile run back to back and accumulate in the output buffer) and their units.
struct FoldPlan {
  GemmMapping gemm;
  std::vector<Fold> folds;
  std::vector<FoldUnit> units;
};

/// Per-dataflow rules: the operand mapping and the closed form's counts that depend on it.
class DataflowRules {
 public:
  virtual ~DataflowRules() = default;
  /// Row extent, column extent and stream length of g (groups, m, k, n set).
  virtual void map_extents(GemmMapping& g) const = 0;
  /// The weights of fold f (its tile set): f.o0, f.o1, f.k0, f.k1.
  virtual void fold_weights(const GemmMapping& g, Fold& f) const = 0;
  /// SCALE-Sim's cycles per fold for an R x C array streaming T.
  virtual int64_t scalesim_fold_cycles(int64_t R, int64_t C, int64_t T) const = 0;
  /// Cycles of a fold (fold_cycles: 2R + C + T - 2) from the one in which its first output leaves
  /// the array to its last, both included: WS, IS C + T - 1 (outputs leave the bottom edge from
  /// stream cycle R - 1 on, after the R load cycles); OS R (the drain).
  virtual int64_t output_window_cycles(int64_t R, int64_t C, int64_t T) const = 0;
  /// Outputs fold f completes (final values leaving the array): WS, IS the fold's column tile
  /// (cols x T) when f is its last row tile (K-fold), else 0; OS every fold's rows x cols.
  virtual int64_t output_tile_elements(const GemmMapping& g, const Fold& f) const = 0;
  /// Passes of the array over the layer's input activations (each reads them all once).
  virtual int64_t input_passes(const GemmMapping& g) const = 0;
  /// The array part's input-buffer reads and output-buffer reads/writes (bytes) of a layer.
  virtual void count_buffers(const GemmMapping& g, ActionCounts& a) const = 0;
  /// PE register bits written and operand hops of a layer on an R x C array.
  virtual void count_pe_activity(int64_t R, int64_t C, const GemmMapping& g, ActionCounts& a) const = 0;
};

/// The rules of one dataflow.
const DataflowRules& dataflow_rules(Dataflow d);

/// The mapping of a layer's GEMM in dataflow `d` (empty for layers without weights).
GemmMapping map_gemm(const ArchitectureParams& arch, const Layer& L, Dataflow d);
/// The mapping of layer `layer` of `net` in the dataflow it runs in (arch.dataflow_of(layer)).
GemmMapping map_gemm(const ArchitectureParams& arch, const Network& net, int layer);

/// The folds and units of a layer mapped as g (in g's dataflow).
FoldPlan plan_folds(const ArchitectureParams& arch, const GemmMapping& g);

/// The global weight words fold f of `layer` (reduction length k) fetches, as ascending runs of
/// consecutive words: visit(lo, hi) per run, each word once. A filter's weights [k0, k1) lie in
/// consecutive words; two consecutive filters may share their boundary word (fetched once).
template <class Visit>
void for_each_fold_word_run(const WeightLayout& layout, int layer, int64_t k, const Fold& f, Visit&& visit) {
  int64_t last = -1;
  for (int64_t o = f.o0; o < f.o1; ++o) {
    const int64_t lo = std::max(layout.global_word(layer, o * k + f.k0), last + 1);
    const int64_t hi = layout.global_word(layer, o * k + f.k1 - 1);
    if (lo > hi) continue;
    visit(lo, hi);
    last = hi;
  }
}

}  // namespace lvsim
