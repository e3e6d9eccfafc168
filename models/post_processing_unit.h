// The post-processing unit between the output buffer and the next layer's input buffer: bias
// addition and requantization of conv/linear accumulators, and the code-only layers (relu,
// max/avg pooling, residual add, flatten) and group normalization. It finishes `lanes` output
// elements per cycle; a groupnorm takes a statistics pass, one reciprocal square root per group
// and a normalization pass (docs/timing-model.md, "Post-processing unit").
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "energy/action_counts.h"
#include "workloads/network/network.h"

namespace lvsim {

/// Vector unit with `lanes` lanes; one job (one layer's outputs) at a time, advanced by tick().
class PostProcessingUnit {
 public:
  explicit PostProcessingUnit(int lanes);

  int lanes() const { return lanes_; }

  /// Cycles a job of `elements` output elements takes: ceil(elements / lanes).
  static int64_t job_cycles(int64_t elements, int lanes) { return (elements + lanes - 1) / lanes; }
  /// An output tile handed to the unit alongside the array (post_processing_overlap): the cycle
  /// it is there from, and its output elements.
  struct QueuedTile {
    int64_t cycle = 0;
    int64_t elements = 0;
  };
  /// The cycle the unit is done with `tiles`, taken in order, each when it is there and the unit
  /// is free, job_cycles each (docs/timing-model.md, "Post-processing overlap").
  static int64_t queue_end_cycle(const std::vector<QueuedTile>& tiles, int lanes) {
    int64_t free_at = 0;
    for (const QueuedTile& t : tiles) free_at = std::max(free_at, t.cycle) + job_cycles(t.elements, lanes);
    return free_at;
  }
  /// Output elements the unit processes for a layer (flatten: 0, it is a relabelling).
  static int64_t job_elements(const Layer& L) { return L.type == LayerType::Flatten ? 0 : L.out_shape.size(); }
  /// Cycles of one reciprocal square root: a restoring square root of D * 2^32 (48 result bits,
  /// one per cycle), then a restoring division 2^(b+30) / Q (32 quotient bits, one per cycle).
  static constexpr int64_t kRsqrtCycles = 48 + 32;
  /// Cycles of a layer's job: job_cycles(job_elements); a groupnorm: two passes over its
  /// elements (statistics, normalization) and kRsqrtCycles per group between them.
  static int64_t layer_cycles(const Layer& L, int lanes) {
    const int64_t pass = job_cycles(job_elements(L), lanes);
    return L.type == LayerType::GroupNorm ? 2 * pass + L.groups * kRsqrtCycles : pass;
  }

  /// Starts requantizing a conv/linear layer: out[o][m] = requantize(bias[o] + acc[g][m][n]), with
  /// o = g * N + n; `acc` is the output buffer ([group][M][N] int32, bias not yet added).
  void start_requantize(const Network& net, int layer, const std::vector<int32_t>* acc, std::vector<uint8_t>* out);
  /// Starts a relu / maxpool2d / avgpool2d / add / flatten layer on its input codes.
  void start_layer(const Network& net, int layer, const std::vector<const std::vector<uint8_t>*>& inputs,
                   std::vector<uint8_t>* out);

  /// Starts a groupnorm on its input codes with its parameters as read (gamma row, beta row).
  void start_group_norm(const Network& net, int layer, const std::vector<uint8_t>* input,
                        const std::vector<uint8_t>& params, std::vector<uint8_t>* out);

  /// One cycle: finishes up to `lanes` more output elements (a groupnorm: accumulates up to
  /// `lanes` input codes, or advances the reciprocal square root). Returns true while work remains.
  bool tick();
  bool busy() const { return norm_phase_ != NormPhase::None || next_ < elements_; }

  /// Buffer traffic and operations of the jobs so far (input/output buffer bytes, post_ops).
  const ActionCounts& counts() const { return counts_; }
  void reset_counts() { counts_ = ActionCounts{}; }

 private:
  enum class NormPhase { None, Statistics, Rsqrt, Normalize };
  uint8_t compute(int64_t e) const;
  void tick_group_norm();
  uint8_t normalize(int64_t e) const;

  int lanes_;
  const Network* net_ = nullptr;
  const Layer* layer_ = nullptr;
  const std::vector<int32_t>* acc_ = nullptr;
  std::vector<const std::vector<uint8_t>*> inputs_;
  std::vector<int32_t> input_zero_points_;
  std::vector<uint8_t>* out_ = nullptr;
  int64_t elements_ = 0, next_ = 0;
  ActionCounts counts_;
  // groupnorm job
  NormPhase norm_phase_ = NormPhase::None;
  std::vector<uint8_t> params_;        // gamma row, beta row (as read)
  std::vector<int64_t> sum_, sum_sq_;  // per group: S1, S2
  std::vector<int64_t> inv_;           // per group: the reciprocal square root's mantissa
  std::vector<int> inv_shift_;         // per group: b - 2 (the rounding shift of h)
  int rsqrt_group_ = 0;
  int64_t rsqrt_cycle_ = 0;
};

}  // namespace lvsim
