// The float conv2d and linear kernels of FloatNetwork (calibration's float inference): im2col +
// Eigen GEMM, and the direct loops they replaced, kept as a second implementation for the
// side-by-side benchmark (bench/bench_calibration.cpp) and the tests.
#pragma once

#include "workloads/network/network.h"

namespace lvsim {

/// How FloatNetwork computes conv2d and linear layers. Both sum the same products in float; they
/// differ only in the order of the sums (results within float rounding of each other).
enum class FloatKernels {
  Gemm,   // im2col (skipped for 1x1 stride-1 unpadded convs) + Eigen GEMM; linear: Eigen GEMV
  Loops,  // the previous direct loops: one tap at a time over every output pixel (issue 24, item 5)
};

/// out (out_channels x os.h x os.w) = conv(in (is.c x is.h x is.w), w) + bias, with l's kernel,
/// stride, padding (zeros) and groups; w is [out][in/groups][kh][kw], bias [out_channels].
void float_conv2d(FloatKernels kernels, const Layer& l, const Shape& is, const Shape& os, const float* in,
                  const float* w, const float* bias, float* out);

/// out[o] = bias[o] + sum_i w[o * k + i] * in[i], for o < n.
void float_linear(FloatKernels kernels, int64_t n, int64_t k, const float* in, const float* w, const float* bias,
                  float* out);

}  // namespace lvsim
