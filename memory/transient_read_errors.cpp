#include "memory/transient_read_errors.h"

#include <algorithm>
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
  any_error_ = -std::expm1(double(cells_per_word_) * log_keep_);
}

WordFaultMasks TransientReadErrors::masks(int64_t image, int layer, WordAddress a) const {
  WordFaultMasks m;
  if (rate_ <= 0.0) return m;
  uint64_t h = derive_seed(
      derive_seed(derive_seed(derive_seed(key_, uint64_t(image)), uint64_t(layer)), uint64_t(a.bank)), uint64_t(a.row));
  double u = hash_uniform(h);
  if (!(u < any_error_)) return m;  // the common case: one hash, no flip
  // The same u gives the first flipped cell by inverse-CDF geometric skipping; the word's own
  // stream gives the further gaps.
  auto gap = [&](double v) -> double { return rate_ >= 1.0 ? 0.0 : std::floor(std::log(v) / log_keep_); };
  int64_t cell = std::min<int64_t>(cells_per_word_ - 1, int64_t(gap(1.0 - u)));
  SplitMix64 rng(h);
  while (cell < cells_per_word_) {
    add_cell_fault(m, int(cell), data_bits_, CellFaultType::read_flip);
    double g = gap(rng.uniform_open0());
    if (!(g < double(cells_per_word_))) break;
    cell += int64_t(g) + 1;
  }
  return m;
}

}  // namespace lvsim
