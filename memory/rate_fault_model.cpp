#include "memory/rate_fault_model.h"

#include <cmath>

#include "common/errors.h"
#include "memory/fault_draws.h"

namespace lvsim {

void RateFaultParams::validate(const std::string& origin) const {
  if (kind != "bit_flip" && kind != "stuck_at")
    throw ConfigError(located(origin, "kind", "unknown value \"" + kind + "\" (expected one of: bit_flip, stuck_at)"));
  if (!(stuck_at_1_fraction >= 0.0 && stuck_at_1_fraction <= 1.0))
    throw ConfigError(located(origin, "stuck_at_1_fraction", "must be in [0, 1]"));
}

void check_rate(double p, const std::string& field) {
  if (!(p >= 0.0 && p <= 1.0))
    throw ConfigError(field + ": rate " + std::to_string(p) + " is not a probability in [0, 1]");
}

RateFaultModel::RateFaultModel(const RateFaultParams& params, const FaultGeometry& geometry, uint64_t seed)
    : params_(params),
      geometry_(geometry),
      type_key_(derive_seed(seed, stream_label("rate-cell-types"))),
      sampler_(derive_seed(seed, stream_label("rate-cells")), geometry.banks, geometry.cells_per_bank()) {
  params_.validate("rate fault model");
  geometry_.validate("rate fault model", "geometry");
}

FaultMap RateFaultModel::faults_at(double p) {
  check_rate(p, "ber");
  const int cpw = geometry_.cells_per_word();
  const bool flips = params_.kind == "bit_flip";
  std::vector<CellFault> cells;
  for (int b = 0; b < geometry_.banks; ++b) {
    sampler_.cover(b, p);
    const uint64_t bank_key = derive_seed(type_key_, uint64_t(b));
    for (const NestedCellSampler::Cell& c : sampler_.cells(b)) {
      if (!(c.u < p)) continue;
      CellFaultType t = CellFaultType::read_flip;
      if (!flips)
        t = hash_uniform(derive_seed(bank_key, uint64_t(c.index))) < params_.stuck_at_1_fraction
                ? CellFaultType::stuck_at_1
                : CellFaultType::stuck_at_0;
      cells.push_back({b, c.index / cpw, int(c.index % cpw), t});
    }
  }
  return FaultMap(geometry_, std::move(cells));
}

std::vector<std::pair<WordAddress, WordFaultMasks>> RateFaultModel::word_faults(double p) {
  return faults_at(p).word_faults();
}

}  // namespace lvsim
