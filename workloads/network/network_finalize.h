// The last import step, once every activation quantization is known (from the file or from
// calibration): integer biases, requantization multipliers and preprocessing constants
// (docs/quantization.md).
#pragma once

#include "workloads/network/network.h"

namespace lvsim {

/// True when the input or any conv2d/linear/add layer has no quantization from the file.
bool needs_calibration(const Network& net);

/// Sets every layer's in_quant (its first input's out_quant) and the out_quant of relu, pool and
/// flatten layers (= in_quant); quantizes float biases (round(b / (s_in * scale[o])), int32 range
/// checked); derives conv/linear requantization, add multipliers and preprocessing constants.
/// Uses the out_quant values present, whether given or calibrated. ConfigError naming
/// `layers[NAME].output_quant` (or `.bias`) when scales cannot be represented.
void finalize_network(Network& net);

}  // namespace lvsim
