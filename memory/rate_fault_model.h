// Faults at a given rate, independent of voltage: uniform random bit errors (the RandBET model:
// every stored bit flips with probability p) or stuck-at faults (FlatENN's model: a fraction p of
// the cells is stuck at 0 or 1). For a fixed seed the faulty cells at a lower rate are a subset of
// those at a higher rate, and the cost is proportional to the faulty cells.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "memory/fault_map.h"
#include "memory/nested_cell_sampler.h"

namespace lvsim {

/// What a faulty cell does in the rate model.
struct RateFaultParams {
  std::string kind = "bit_flip";     // "bit_flip" (read-flip cells) | "stuck_at"
  double stuck_at_1_fraction = 0.5;  // stuck_at: share of stuck cells stuck at 1 (0->1 errors)
  /// ConfigError located at origin unless kind is known and the fraction in [0, 1].
  void validate(const std::string& origin) const;
};

/// Seeded uniform-rate faults over a geometry.
class RateFaultModel {
 public:
  RateFaultModel(const RateFaultParams& params, const FaultGeometry& geometry, uint64_t seed);
  const FaultGeometry& geometry() const { return geometry_; }
  /// Cells faulty at rate p. ConfigError (field "ber") unless 0 <= p <= 1.
  FaultMap faults_at(double p);
  std::vector<std::pair<WordAddress, WordFaultMasks>> word_faults(double p);

 private:
  RateFaultParams params_;
  FaultGeometry geometry_;
  uint64_t type_key_;
  NestedCellSampler sampler_;
};

/// ConfigError (field `field`) unless p is a probability.
void check_rate(double p, const std::string& field);

}  // namespace lvsim
