// Re-quantizing a network's weights to another bit width (exploration axis `weight_bits`, study
// networks' `weight_bits`, `lvsim run --weight-bits`; docs/quantization.md "Re-quantizing weights").
#pragma once

#include "workloads/network/network.h"

namespace lvsim {

/// Re-quantizes the weights of every conv/linear layer not already at `bits` (2..8): the weights
/// the network holds, dequantized (w = scale[o] * (decode(code) - zero_point[o])), are quantized
/// again with the robust scheme (asymmetric, rounding) at `bits`, per channel if the layer was, in
/// the layer's storage format. Biases keep their real values (an int32 bias is converted with its
/// old scale); a network whose quantization is complete is finalized again (new integer biases and
/// requantization multipliers), one still to be calibrated is left to its calibration.
/// ConfigError naming the network's file for bits outside 2..8, or an int32 bias whose input scale
/// is not known yet.
void requantize_weights(Network& net, int bits);

/// The same layers with every weight tensor at `bits` and all patterns 0: for timing and action
/// counts, which do not depend on weight values (topology workloads).
void set_weight_bits_for_timing(Network& net, int bits);

}  // namespace lvsim
