// The post-processing unit between the output buffer and the next layer's input buffer: bias
// addition and requantization of conv/linear accumulators, and the code-only layers (relu,
// max/avg pooling, residual add, flatten). It finishes `lanes` output elements per cycle
// (docs/timing-model.md, "Post-processing unit").
#pragma once

#include <cstdint>
#include <vector>

#include "energy/action_counts.h"
#include "workloads/network.h"

namespace lvsim {

/// Vector unit with `lanes` lanes; one job (one layer's outputs) at a time, advanced by tick().
class PostProcessingUnit {
 public:
  explicit PostProcessingUnit(int lanes);

  int lanes() const { return lanes_; }

  /// Cycles a job of `elements` output elements takes: ceil(elements / lanes).
  static int64_t job_cycles(int64_t elements, int lanes) { return (elements + lanes - 1) / lanes; }
  /// Output elements the unit processes for a layer (flatten: 0, it is a relabelling).
  static int64_t job_elements(const Layer& L) { return L.type == LayerType::Flatten ? 0 : L.out_shape.size(); }

  /// Starts requantizing a conv/linear layer: out[o][m] = requantize(bias[o] + acc[g][m][n]), with
  /// o = g * N + n; `acc` is the output buffer ([group][M][N] int32, bias not yet added).
  void start_requantize(const Network& net, int layer, const std::vector<int32_t>* acc, std::vector<uint8_t>* out);
  /// Starts a relu / maxpool2d / avgpool2d / add / flatten layer on its input codes.
  void start_layer(const Network& net, int layer, const std::vector<const std::vector<uint8_t>*>& inputs,
                   std::vector<uint8_t>* out);

  /// One cycle: finishes up to `lanes` more output elements. Returns true while work remains.
  bool tick();
  bool busy() const { return next_ < elements_; }

  /// Buffer traffic and operations of the jobs so far (input/output buffer bytes, post_ops).
  const ActionCounts& counts() const { return counts_; }
  void reset_counts() { counts_ = ActionCounts{}; }

 private:
  uint8_t compute(int64_t e) const;

  int lanes_;
  const Network* net_ = nullptr;
  const Layer* layer_ = nullptr;
  const std::vector<int32_t>* acc_ = nullptr;
  std::vector<const std::vector<uint8_t>*> inputs_;
  std::vector<int32_t> input_zero_points_;
  std::vector<uint8_t>* out_ = nullptr;
  int64_t elements_ = 0, next_ = 0;
  ActionCounts counts_;
};

}  // namespace lvsim
