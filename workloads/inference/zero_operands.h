// Zero-operand MACs of a conv/linear layer, computed from the layer's actual input codes and its
// weights as the array sees them: the data-dependent count behind zero-operand gating
// (docs/timing-model.md "Zero operands"). A MAC is gated when its activation operand (a - z_in,
// zero padding included) or its weight operand (w - z_w[o]) is zero. The cycle model counts the
// same MACs one by one as operands meet in the array; this closed form lets the functional paths
// (golden, fast) count them from each image's codes in O(input size) per image.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "workloads/network/network.h"

namespace lvsim {

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
  void init_weights(const std::vector<int64_t>& zero_w, const std::vector<std::vector<int>>& sets_y,
                    const std::vector<std::vector<int>>& sets_x);
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
  // A row of the input (unpadded x) as runs [x0, x1) of one column class read by some tap.
  struct Run {
    int x0, x1, cx;
  };
  std::vector<Run> runs_x_;
  // count() = base_ + sum over (class, lane) of nz_weight_[inner_id * lanes_ + lane] times the
  // non-zero activations of that lane at input positions of that class. Classes are numbered
  // compactly (inner_id_[class_y * classes_x + class_x], -1: no input position read by a tap);
  // lanes_ is 64 when C divides 64 and classes x 64 lanes are no more than the input's codes (lane j:
  // channel j % C, for counting 64 codes at a time), else C.
  int64_t base_ = 0;
  int lanes_ = 1;
  std::vector<int> inner_id_;
  std::vector<int64_t> nz_weight_;
};

/// The data-dependent zero counts of a pass over images, per layer (index = layer; 0 for layers
/// without weights), summed over the images.
struct LayerZeroCounts {
  std::vector<int64_t> operand_macs;      // zero-operand MACs (the MACs zero-operand gating skips)
  std::vector<int64_t> activation_codes;  // input codes equal to the layer input's zero point (padding excluded)

  /// Both vectors sized `layers`, zeroed.
  void reset(size_t layers);
  /// Adds `o` layer by layer (sizes as reset).
  void add(const LayerZeroCounts& o);
};

/// Codes among `n` at `codes` equal to `zero_point`: the zero activations of a layer input (its
/// activation operands the gating skips, padding aside).
int64_t count_zero_codes(const uint8_t* codes, int64_t n, uint8_t zero_point);

/// Activation sparsity of each conv/linear layer: `activation_codes[l]` over `images` x the layer's
/// input size (the fraction of its input codes equal to its input zero point); nullopt for layers
/// without weights.
std::vector<std::optional<double>> activation_sparsity(const Network& net, const std::vector<int64_t>& activation_codes,
                                                       int64_t images);

/// Activation sparsity of the whole network: all conv/linear layers' zero input codes over all
/// their input codes (nullopt when it has no such layer or no images).
std::optional<double> network_activation_sparsity(const Network& net, const std::vector<int64_t>& activation_codes,
                                                  int64_t images);

/// Zero-operand MACs of `L` on one image with `patterns` as its weights (builds the counter; use
/// ZeroOperandCounter directly to count many images).
int64_t zero_operand_macs(const Layer& L, const uint8_t* patterns, const uint8_t* input, CodeLayout layout);

}  // namespace lvsim
