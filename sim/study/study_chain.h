// The points of one (network, chip) pair of a study, in the order of the swept values: the chip's
// faults are nested (each value's failing cells contain the previous value's), so its failure map
// is built once and every value's faults are derived from it. A point whose weights as read equal
// the stored weights, or the weights of the last point computed, takes that point's result
// (exact: the same weights give the same predictions); only the others run the test set.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "memory/fault_source.h"
#include "memory/weight_memory.h"
#include "sim/study/study_context.h"
#include "sim/study/study_journal.h"

namespace lvsim {

/// How a chain's points were obtained (progress and performance figures; never in the outputs).
struct ChainStats {
  int64_t computed = 0;         // test set run
  int64_t reused_clean = 0;     // weights as stored: the clean predictions
  int64_t reused_previous = 0;  // weights as at the last computed point
  int64_t images_run = 0;
  ChainStats& operator+=(const ChainStats& o) {
    computed += o.computed;
    reused_clean += o.reused_clean;
    reused_previous += o.reused_previous;
    images_run += o.images_run;
    return *this;
  }
};

/// Chip `chip` of the study (its index in the chip list): the technology's chip model on a voltage
/// axis, the study's rate model otherwise. Every command built on a study takes its chips here.
FaultSource chain_fault_source(const StudyContext& ctx, int chip);

class StudyChain {
 public:
  StudyChain(const StudyContext& ctx, int network, int chip, bool reuse);
  ~StudyChain();

  /// Produces the record of every value in `needed` (ascending indices) and hands each to `done`
  /// as soon as it is finished. `known` holds this chain's points finished earlier (from the
  /// journal): they are not recomputed but serve as reuse candidates.
  void run(const std::vector<int>& needed, const std::map<int, PointRecord>& known,
           const std::function<void(const PointRecord&)>& done);
  const ChainStats& stats() const { return stats_; }

 private:
  /// Faults of this chip at value v into the weight memory; the fault counts into `r`.
  void apply_faults(int v, PointRecord& r);
  /// Transient read errors at `rate` per bit and read from here on (0: none).
  void set_transient_ber(double rate);
  /// Predictions of the test set with the current faults: (correct, robust_wrong).
  std::pair<int64_t, int64_t> evaluate(const LayerWeights& w, PointRecord& r);
  /// Predictions of the SystemC model (in a child process) and its zero-operand MACs; the bits
  /// its reads' transient errors flipped (as its WeightMemory counted them). runtime_error when its
  /// cycles or persistent bit errors differ from the closed form / the bulk read recorded in `r`.
  std::vector<int> predict_cycle_level(const PointRecord& r, std::array<int64_t, 9>& zero_macs,
                                       int64_t& transient_bit_errors);

  const StudyContext& ctx_;
  const StudyNetworkState& net_;
  int network_, chip_;
  bool reuse_;
  WeightMemory wm_;
  FaultSource faults_;  // this chip
  std::unique_ptr<TransientReadErrors> transient_;
  ChainStats stats_;
};

}  // namespace lvsim
