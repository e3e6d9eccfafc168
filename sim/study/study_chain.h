// The points of one (network, chip) pair of a study, in the order of the swept values: the chip's
// faults are nested (each value's failing cells contain the previous value's), so its failure map
// is built once and every value's faults are derived from it. A point whose weights as read equal
// the stored weights, or the weights of the last point computed, takes that point's result
// (exact: the same weights give the same predictions); only the others run the test set, and in
// fast mode from the first layer whose weights changed (sim/study/layer_reuse.h).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "memory/fault_source.h"
#include "memory/weight_memory.h"
#include "sim/study/layer_reuse.h"
#include "sim/study/study_context.h"
#include "sim/study/study_journal.h"

namespace lvsim {

/// How a chain's points were obtained (progress and performance figures; never in the outputs).
struct ChainStats {
  int64_t computed = 0;         // test set run
  int64_t reused_clean = 0;     // weights as stored: the clean predictions
  int64_t reused_previous = 0;  // weights as at the last computed point
  int64_t images_run = 0;
  int64_t resumed = 0;       // computed from a later layer on, from an earlier point's activations
  int64_t macs_skipped = 0;  // MACs (per image x images) of the layers those points did not run
  int64_t macs_run = 0;      // MACs of the layers the computed points ran
  ChainStats& operator+=(const ChainStats& o) {
    computed += o.computed;
    reused_clean += o.reused_clean;
    reused_previous += o.reused_previous;
    images_run += o.images_run;
    resumed += o.resumed;
    macs_skipped += o.macs_skipped;
    macs_run += o.macs_run;
    return *this;
  }
  std::vector<int64_t> to_array() const;
  static ChainStats from_array(const std::vector<int64_t>& a);
};

/// Chip `chip` of the study (its index in the chip list): the technology's chip model on a voltage
/// axis, the study's rate model otherwise. Every command built on a study takes its chips here.
FaultSource chain_fault_source(const StudyContext& ctx, int chip);

class StudyChain {
 public:
  /// exec.reuse: take the results of unchanged points; exec.layer_reuse: run changed points (fast
  /// mode) from their first changed layer.
  StudyChain(const StudyContext& ctx, int network, int chip, const StudyExecution& exec);
  ~StudyChain();

  /// Produces the record of every value in `needed` (ascending indices) and hands each to `done`
  /// as soon as it is finished. `known` holds this chain's points finished earlier (from the
  /// journal): they are not recomputed but serve as reuse candidates.
  void run(const std::vector<int>& needed, const std::map<int, PointRecord>& known,
           const std::function<void(const PointRecord&)>& done);
  const ChainStats& stats() const { return stats_; }

 private:
  enum class Source { Skip, Known, Clean, Previous, Run };
  /// One value of the walk: its record (fault counts filled in), weights as read and what to do.
  struct Step {
    int v = 0;
    PointRecord r;
    LayerWeights w;
    Source source = Source::Skip;
  };
  /// Applies the faults of every value up to needed.back() in order, reads the weights and decides
  /// each value's source; hands each step to `visit`.
  void walk(const std::vector<int>& needed, const std::map<int, PointRecord>& known,
            const std::function<void(Step&)>& visit);
  /// Per run point: the first layer whose weights differ at the chain's next run point (-1: none).
  std::map<int, int> plan_next_changes(const std::vector<int>& needed, const std::map<int, PointRecord>& known);
  /// Faults of this chip at value v into the weight memory; the fault counts into `r`.
  void apply_faults(int v, PointRecord& r);
  /// Transient read errors at `rate` per bit and read from here on (0: none).
  void set_transient_ber(double rate);
  /// Predictions of the test set with the current faults: (correct, robust_wrong).
  /// next_change: as LayerReuse::run.
  std::pair<int64_t, int64_t> evaluate(const LayerWeights& w, PointRecord& r, int next_change);
  void count_macs(int started_at);
  /// Predictions of the SystemC model (in a child process) and its zero-operand MACs; the bits
  /// its reads' transient errors flipped (as its WeightMemory counted them). runtime_error when its
  /// cycles or persistent bit errors differ from the closed form / the bulk read recorded in `r`.
  std::vector<int> predict_cycle_level(const PointRecord& r, std::array<int64_t, 9>& zero_macs,
                                       int64_t& transient_bit_errors);

  const StudyContext& ctx_;
  const StudyNetworkState& net_;
  int network_, chip_;
  bool reuse_;
  std::optional<LayerReuse> layers_;  // partial re-runs (fast mode, reuse on, no transients)
  WeightMemory wm_;
  FaultSource faults_;  // this chip
  std::unique_ptr<TransientReadErrors> transient_;
  ChainStats stats_;
};

}  // namespace lvsim
