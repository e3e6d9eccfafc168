#include "memory/transient_read_errors.h"

#include <cmath>

#include "memory/fault_draws.h"
#include "memory/rate_fault_model.h"

namespace lvsim {

TransientReadErrors::TransientReadErrors(double rate_per_bit, const FaultGeometry& geometry, uint64_t seed)
    : rate_(rate_per_bit),
      data_bits_(geometry.data_bits),
      cells_per_word_(geometry.cells_per_word()),
      key_(derive_seed(seed, stream_label("transient-reads"))) {
  check_rate(rate_per_bit, "transient_ber");
  log_keep_ = std::log1p(-rate_);
}

TransientReadErrors::FlipGaps::FlipGaps(const TransientReadErrors& t, int64_t image, int layer)
    : rng_(derive_seed(derive_seed(t.key_, uint64_t(image)), uint64_t(layer))), log_keep_(t.log_keep_) {}

// Gap to the next flipped cell: geometric, P(gap = g) = (1 - p)^g p, by inversion of one uniform
// in (0, 1] (0 < p < 1 here; p = 1 flips every cell without drawing).
double TransientReadErrors::FlipGaps::next() {
  return std::floor(std::log(rng_.uniform_open0()) / log_keep_);
}

std::vector<int64_t> TransientReadErrors::flipped_cells(int64_t image, int layer, int64_t cells) const {
  std::vector<int64_t> out;
  for_each_flipped_cell(image, layer, cells, [&](int64_t c) { out.push_back(c); });
  return out;
}

}  // namespace lvsim
