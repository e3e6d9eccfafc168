// Floating-point inference of a Network from its dequantized weights: what calibration observes
// to choose activation ranges, and a float reference to compare the integer paths against.
#pragma once

#include <cstdint>
#include <vector>

#include "workloads/inference/float_kernels.h"
#include "workloads/network/network.h"

namespace lvsim {

/// Real-valued activations of one image: the preprocessed input and every layer's output
/// (index = layer index), each C x H x W.
struct FloatActivations {
  std::vector<float> input;
  std::vector<std::vector<float>> layers;
};

/// A network's weights and biases as reals, prepared once and then run on any number of images.
class FloatNetwork {
 public:
  /// Weights: dequantize_weight(). Biases: `bias_real` if non-empty; else the int32 `bias` times
  /// in_quant.scale * weight.scale[o] (it is quantized at that scale), which needs the layer's
  /// in_quant; else zero. `in_scale_known[l] == false` marks a layer whose in_quant is not known
  /// yet: an int32 bias there is taken as zero (its outputs are then not meaningful). Empty: all
  /// known. Throws ConfigError when a layer's shapes are inconsistent with its parameters.
  /// `kernels`: how conv2d and linear layers are computed (float_kernels.h).
  explicit FloatNetwork(const Network& net, const std::vector<bool>& in_scale_known = {},
                        FloatKernels kernels = FloatKernels::Gemm);

  /// Runs one image of raw pixels (C x H x W): input x = (p * pixel_scale - mean[c]) / std[c].
  /// Thread-safe (const); the result does not depend on which thread runs it.
  FloatActivations run(const uint8_t* pixels) const;

  const Network& network() const { return net_; }

 private:
  std::vector<float> run_layer(int l, const FloatActivations& a) const;

  const Network& net_;
  FloatKernels kernels_;
  std::vector<std::vector<float>> weight_;  // per layer, [out][per_out] as in WeightTensor
  std::vector<std::vector<float>> bias_;    // per layer, [out]
};

/// Convenience: every layer's float output for one image.
FloatActivations float_inference(const Network& net, const uint8_t* pixels);

}  // namespace lvsim
