// Where the fast path's time goes: per layer, the time of each stage of FastInference's pass
// (FastInference::profile; bench_fast_path prints it). Laps of the time-stamp counter: each lap
// charges the time since the previous one to one (layer, stage). Off (one null test per lap)
// unless a profile is attached to the pass.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#if defined(__x86_64__)
#include <x86intrin.h>
#else
#include <chrono>
#endif

namespace lvsim {

/// The stages of one layer in the fast path. Input: preprocessing the pixels (charged to layer 0);
/// Count: zero-operand counting; Pack: the padded copy, window sums and row pointers a GEMM reads;
/// Gemm: the int8 GEMM kernels; Output: corrections, requantization, fused relu and max-pool;
/// Other: layers without a GEMM (pooling, group normalization, relu, flatten, add).
enum class FastStage { Input, Count, Pack, Gemm, Output, Other };
inline constexpr int kFastStages = 6;
inline constexpr const char* kFastStageNames[kFastStages] = {"input", "count", "pack", "gemm", "output", "other"};

/// Ticks per (layer, stage) of one or more passes.
struct FastProfile {
  std::vector<std::array<uint64_t, kFastStages>> ticks;  // per layer
  uint64_t last = 0;

  static uint64_t now() {
#if defined(__x86_64__)
    return __rdtsc();
#else
    return uint64_t(std::chrono::steady_clock::now().time_since_epoch().count());
#endif
  }
  /// Charges the time since the previous lap to (layer, stage).
  void lap(int layer, FastStage stage) {
    const uint64_t t = now();
    if (size_t(layer) >= ticks.size()) ticks.resize(size_t(layer) + 1, {});
    ticks[size_t(layer)][size_t(stage)] += t - last;
    last = t;
  }
};

/// Laps `profile` when one is attached (nullptr: profiling off).
inline void fast_lap(FastProfile* profile, int layer, FastStage stage) {
  if (profile) profile->lap(layer, stage);
}

}  // namespace lvsim
