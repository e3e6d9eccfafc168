// Progress of a cycle-mode run on stderr. The cycle model steps every PE of the array every
// cycle, so its cost grows with rows x cols x cycles: a 4096 x 4096 array runs one image in minutes
// where the fast path takes a fraction of a second (docs/timing-model.md, "Sizes the cycle model is
// meant for"). A large run says so before it starts, then reports where it is.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "models/architecture.h"
#include "models/timing_model.h"
#include "workloads/network/network.h"

namespace lvsim {

/// Simulated PE-cycles (rows x cols x cycles, all images) above which cycle mode announces itself:
/// at the measured 10^9..10^10 PE-cycles/s (docs/performance.md) that is seconds to minutes.
inline constexpr double kCycleModeNoticePeCycles = 1e10;

/// Prints the notice and throttled progress lines (at most one every few seconds) to `out`.
class CycleProgressPrinter {
 public:
  /// `timing`: the closed-form timing of every layer (the cycles the run will simulate per image).
  CycleProgressPrinter(const ArchitectureParams& arch, const Network& net, const std::vector<LayerTiming>& timing,
                       int64_t images, std::FILE* out);
  /// PE-cycles the run simulates at most (every PE stepped every cycle).
  double pe_cycles() const { return pe_cycles_; }
  /// The notice before the run, when pe_cycles() exceeds kCycleModeNoticePeCycles.
  void announce() const;
  /// One progress event of the SystemC run (CycleProgress); prints when enough time has passed.
  void update(int64_t image, int layer, int64_t layer_cycle);

 private:
  const Network& net_;
  std::vector<int64_t> layer_cycles_;
  int64_t images_;
  std::FILE* out_;
  double pe_cycles_ = 0;
  int rows_, cols_;
  std::chrono::steady_clock::time_point start_, last_;
  bool printed_ = false;
};

}  // namespace lvsim
