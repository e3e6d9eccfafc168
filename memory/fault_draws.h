// Small seeded draws shared by the fault models: stream labels, normal deviates, cell types.
#pragma once

#include <cmath>
#include <cstdint>
#include <string_view>

#include "common/rng.h"
#include "memory/bitcell_failure_model.h"
#include "memory/fault_map.h"

namespace lvsim {

/// A stream label from a name (FNV-1a), so streams are named by purpose ("chip-cells", ...).
constexpr uint64_t stream_label(std::string_view name) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (char c : name) h = (h ^ uint64_t(uint8_t(c))) * 0x100000001B3ull;
  return h;
}

/// Uniform in [0, 1) from a 64-bit hash.
inline double hash_uniform(uint64_t h) {
  return double(h >> 11) * 0x1.0p-53;
}

/// A standard normal deviate (Box-Muller, one of the pair).
inline double standard_normal(SplitMix64& rng) {
  double r = std::sqrt(-2.0 * std::log(rng.uniform_open0()));
  return r * std::cos(2.0 * 3.14159265358979323846 * rng.uniform());
}

/// The cell type for a uniform draw t in [0, 1): stuck-at-0, then stuck-at-1, then read-flip.
inline CellFaultType pick_cell_type(const CellTypeMix& mix, double t) {
  if (t < mix.stuck_at_0) return CellFaultType::stuck_at_0;
  if (t < mix.stuck_at_0 + mix.stuck_at_1) return CellFaultType::stuck_at_1;
  return CellFaultType::read_flip;
}

}  // namespace lvsim
