// Post-training calibration of activation quantizations: runs the network in floating point on
// training images and sets each quantization the network file left out from the observed range
// (docs/datasets.md, "Calibration").
#pragma once

#include <cstdint>
#include <string>

#include "workloads/data/dataset.h"
#include "workloads/inference/float_kernels.h"
#include "workloads/network/network.h"

namespace lvsim {

/// How a tensor's range [lo, hi] is taken from the values observed over the calibration images.
enum class CalibrationMethod {
  MinMax,      // smallest and largest value
  Percentile,  // the 0.01 % and 99.99 % percentiles (nearest rank, see docs/datasets.md)
};

/// "min-max" / "percentile".
const char* calibration_method_name(CalibrationMethod m);
/// Inverse of calibration_method_name; ConfigError naming `field` on any other string.
CalibrationMethod calibration_method_from_name(const std::string& name, const std::string& field = "calib");

/// Sets the input quantization (unless input_quant_given) and the out_quant of every conv2d,
/// linear and add layer without out_quant_given, each by activation_quant_from_range(lo, hi) of
/// that tensor's float values over the first min(images, train.count) training images. A conv or
/// linear layer whose only consumer is a relu (and which is not the network output) uses the
/// post-relu range, lo = 0. Relu, pool and flatten layers take their input's quantization. Ends
/// by calling finalize_network(net), so the network is ready to run. The result does not depend
/// on `threads` (0: one per hardware thread). ConfigError if the images do not fit the network,
/// images < 1, or finalize_network rejects the scales. `kernels`: the float conv/linear kernels
/// (FloatKernels::Loops only for bench/bench_calibration.cpp's side-by-side timing).
void calibrate(Network& net, const Dataset& train, int64_t images, CalibrationMethod method, int threads = 0,
               FloatKernels kernels = FloatKernels::Gemm);

}  // namespace lvsim
