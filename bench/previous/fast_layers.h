// The fast path's layers without a GEMM, on channels-last codes ((y * W + x) * C + c): layout
// conversion, pooling and group normalization, each bit-identical to the golden engine
// (workloads/inference/reference_inference.cpp; docs/quantization.md).
#pragma once

#include <cstdint>
#include <vector>

#include "workloads/network/network.h"

namespace lvsim::previous {

// Activations live channels-last inside the fast path: (y * W + x) * C + c. The golden layout is
// C x H x W; the two agree for C x 1 x 1 tensors.
void to_chw(const uint8_t* hwc, const Shape& s, uint8_t* chw);

/// Max- or average-pool layer L of n images of shape `in` (window positions outside the input are
/// skipped: max of none = 0, as golden).
void pool_hwc(const Layer& L, const Shape& in, int64_t n, const uint8_t* x, uint8_t* y);

/// Group normalization of one image (docs/quantization.md, "Group normalization"); `params` are
/// the stored patterns of gamma then beta, as read.
void group_norm_hwc(const Layer& L, const std::vector<uint8_t>& params, const uint8_t* x, uint8_t* y);

}  // namespace lvsim::previous
