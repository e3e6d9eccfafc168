// Zero-operand MACs of a conv/linear layer, computed from the layer's actual input codes and its
// weights as the array sees them: the data-dependent count behind zero-operand gating
// (docs/timing-model.md "Zero operands"). A MAC is gated when its activation operand (a - z_in,
// zero padding included) or its weight operand (w - z_w[o]) is zero. The cycle model counts the
// same MACs one by one as operands meet in the array; this closed form lets the functional paths
// (golden, fast) count them from each image's codes in O(input size) per image.
#pragma once

#include <cstdint>
#include <vector>

#include "workloads/network/network.h"

namespace lvsim::previous {

/// Layout of a layer input handed to ZeroOperandCounter.
enum class CodeLayout { ChannelsFirst, ChannelsLast };  // C x H x W, or H x W x C

class ZeroOperandCounter {
 public:
  /// `patterns`: the layer's weight patterns as read (layout of L.weight.stored). `source`: the
  /// shape of the tensor the layer reads; for a linear layer that may be the tensor before its
  /// flatten (C x H x W), since a linear layer over a flattened C x H x W input is a conv with an
  /// H x W kernel whose weights are in the same [o][c][y][x] order.
  ZeroOperandCounter(const Layer& L, const uint8_t* patterns, const Shape& source);

  /// Zero-operand MACs of the layer on one image; `input` holds source.size() codes.
  int64_t count(const uint8_t* input, CodeLayout layout) const;
  /// The activations weight `index` multiplies on `input` that are not zero: how much count()
  /// changes on that image when that weight's operand becomes zero (or stops being zero).
  int64_t nonzero_activations_of(int64_t index, const uint8_t* input, CodeLayout layout) const;
  /// Whether pattern `pattern` stored at weight `index` gives a zero weight operand.
  bool zero_weight(int64_t index, uint8_t pattern) const;

 private:
  uint8_t code(const uint8_t* input, CodeLayout layout, int c, int y, int x) const;

  const WeightTensor* weight_;
  Shape in_;
  int out_h_, out_w_, kh_, kw_, sh_, sw_, ph_, pw_, groups_;
  int64_t n_per_group_;
  uint8_t za_;
  // Along each padded axis, the class of each coordinate: the set of kernel taps that read it
  // (from some output position). class_y_[y] / class_x_[x] index those sets; taps_y_/taps_x_ are
  // the sets' sizes.
  std::vector<int> class_y_, class_x_;
  std::vector<int64_t> taps_y_, taps_x_;
  int classes_x_ = 0;
  // gated_[(class_y * classes_x + class_x) * C + c]: MACs gated by zero weights when a non-zero
  // activation sits at a position of that class in channel c (zero weights summed over its taps).
  std::vector<int64_t> gated_;
};

/// Zero-operand MACs of `L` on one image with `patterns` as its weights (builds the counter; use
/// ZeroOperandCounter directly to count many images).
int64_t zero_operand_macs(const Layer& L, const uint8_t* patterns, const uint8_t* input, CodeLayout layout);

}  // namespace lvsim::previous
