// Zero-activation MACs of a conv/linear layer, computed from the layer's actual input codes: the
// data-dependent count behind zero-operand gating (docs/timing-model.md "Zero operands"). The
// cycle model counts the same MACs one by one as operands enter the array; this closed form lets
// the functional paths (golden, fast) count them from each image's codes in O(input size).
#pragma once

#include <cstdint>
#include <vector>

#include "workloads/network.h"

namespace lvsim {

/// Layout of a layer input handed to zero_activation_macs.
enum class CodeLayout { ChannelsFirst, ChannelsLast };  // C x H x W, or H x W x C

/// MACs of conv/linear layer `L` on one image whose activation operand (a - z_in) is zero: an
/// input code equal to the input zero point, or a zero-padding position. Equals (output channels
/// per group) x (zero entries of the layer's im2col matrix); 0 for layers without weights.
/// `input` holds L.in_shape.size() codes.
int64_t zero_activation_macs(const Layer& L, const uint8_t* input, CodeLayout layout);

}  // namespace lvsim
