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

std::vector<int64_t> TransientReadErrors::flipped_cells(int64_t image, int layer, int64_t cells) const {
  std::vector<int64_t> out;
  if (rate_ <= 0.0 || cells <= 0) return out;
  SplitMix64 rng(derive_seed(derive_seed(key_, uint64_t(image)), uint64_t(layer)));
  // Gap to the next flipped cell: geometric, P(gap = g) = (1 - p)^g p, by inversion of one
  // uniform in (0, 1]; p = 1 flips every cell.
  auto gap = [&]() -> double { return rate_ >= 1.0 ? 0.0 : std::floor(std::log(rng.uniform_open0()) / log_keep_); };
  double cell = gap();
  while (cell < double(cells)) {
    out.push_back(int64_t(cell));
    cell += gap() + 1.0;
  }
  return out;
}

}  // namespace lvsim
