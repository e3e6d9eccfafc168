// The in-memory form of a quantized network: what the importer builds, what the golden integer
// inference and every hardware path execute. Plain data; validation happens in the importer.
//
// Activations are 8-bit unsigned codes with a (scale, zero_point) per tensor, laid out per image
// as C x H x W (row-major, PyTorch's NCHW without N). Weights are m-bit codes (m = 2..8) in the
// layout [out_channel][in_channel / groups][kh][kw] (linear: [out][in]).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lvsim {

/// Per-image activation shape (channels, height, width); a vector of n features is n x 1 x 1.
struct Shape {
  int c = 0, h = 0, w = 0;
  int64_t size() const { return int64_t(c) * h * w; }
  bool operator==(const Shape&) const = default;
};

/// Affine quantization of an activation tensor: real = scale * (code - zero_point), code in 0..255.
struct ActivationQuant {
  double scale = 1.0;
  int32_t zero_point = 0;
};

/// Fixed-point multiplier: y = round_shift(x * multiplier, shift) ~ x * multiplier * 2^-shift.
struct Requant {
  int64_t multiplier = 0;  // < 2^31 (and >= 2^30 when derived from one real ratio)
  int shift = 1;           // 1..62
};

/// How the m-bit pattern held in a bit-cell group is read as an integer.
enum class WeightStorage { Unsigned, TwosComplement };

/// Quantized weights exactly as stored in the weight SRAM.
struct WeightTensor {
  int bits = 8;  // m, 2..8
  WeightStorage storage = WeightStorage::Unsigned;
  bool per_channel = false;         // scale/zero point per output channel (else one per tensor)
  std::vector<uint8_t> stored;      // m-bit patterns (upper 8-m bits zero), one per weight
  std::vector<double> scale;        // per output channel (per-tensor: the same value repeated)
  std::vector<int32_t> zero_point;  // per output channel, in the decoded-integer domain
  int64_t out_channels = 0;         // rows of the layout
  int64_t per_out = 0;              // weights per output channel (in/groups * kh * kw)

  /// Integer value of an m-bit pattern: unsigned, or sign-extended two's complement.
  int32_t decode(uint8_t pattern) const {
    if (storage == WeightStorage::Unsigned) return pattern;
    int32_t v = pattern & ((1 << bits) - 1);
    return (v & (1 << (bits - 1))) ? v - (1 << bits) : v;
  }
};

enum class LayerType { Conv2d, Linear, Relu, MaxPool2d, AvgPool2d, Flatten, Add, GroupNorm };

const char* layer_type_name(LayerType t);

/// Group normalization's real parameters and the integer constants finalize_network() derives
/// from them (docs/quantization.md, "Group normalization"). gamma and beta themselves are the
/// layer's `weight` tensor: row 0 gamma, row 1 beta.
struct GroupNormParams {
  double eps = 1e-5;          // added to the variance (real units), > 0
  double gamma_offset = 0.0;  // o: the effective scale is o + gamma
  // Derived at finalize:
  int64_t eps_term = 0;         // E = max(1, round(n^2 eps / s_in^2))
  int64_t offset_term = 0;      // O = round(o / s_g * 2^8)
  Requant gamma_requant;        // (M, sh) = make_requant(s_g / s_out)
  int64_t beta_multiplier = 0;  // K = round(s_b / s_out * 2^(sh + 24))
};

/// One layer after import (batch-norm already folded). Inputs refer to earlier layers by index;
/// -1 is the network input.
struct Layer {
  std::string name;
  LayerType type = LayerType::Relu;
  std::vector<int> inputs;
  Shape in_shape, out_shape;            // in_shape: of inputs[0]
  ActivationQuant in_quant, out_quant;  // out_quant == in_quant for relu/pool/flatten

  // conv2d (linear uses out_channels, groups = 1, kernel = stride = 1, no padding, input flattened)
  int out_channels = 0;
  int kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1, pad_h = 0, pad_w = 0, groups = 1;
  WeightTensor weight;
  std::vector<int32_t> bias;      // int32, scale = in_quant.scale * weight.scale[o]
  std::vector<double> bias_real;  // float bias from the file (empty if given as int32 or absent);
                                  // quantized into `bias` by finalize_network()
  bool out_quant_given = false;   // output_quant came from the file (else: calibrated)
  std::vector<Requant> requant;   // per output channel: acc -> output code

  // add: requantization of each input into the output scale (shared shift)
  std::vector<int64_t> add_multiplier;  // one per input
  int add_shift = 1;

  // groupnorm: `groups` (above) is the number of groups G; `weight` holds gamma (row 0) and beta
  // (row 1), C values each; out_channels = C.
  GroupNormParams norm;

  /// A conv2d or linear layer: a GEMM on the array over `weight`.
  bool has_weights() const { return type == LayerType::Conv2d || type == LayerType::Linear; }
  /// Layers whose `weight` tensor holds parameters (conv2d, linear, groupnorm). Whether a
  /// groupnorm's sit in the weight SRAM is Network::params_in_weight_sram.
  bool has_parameters() const { return has_weights() || type == LayerType::GroupNorm; }
  /// GEMM view of a conv/linear layer, per group: M = output pixels, K = reduction, N = filters.
  int64_t gemm_m() const { return int64_t(out_shape.h) * out_shape.w; }
  int64_t gemm_k() const { return int64_t(in_shape.c / groups) * kernel_h * kernel_w; }
  int64_t gemm_n() const { return out_channels / groups; }
  /// Multiply-accumulates per image.
  int64_t macs() const { return has_weights() ? gemm_m() * gemm_k() * out_channels : 0; }
};

/// Input preprocessing from raw 8-bit pixels p to the input code, in integer form:
/// code = clamp(zero_point + round_shift(p * multiplier[c] + offset[c], kPreprocessShift), 0, 255).
struct Preprocess {
  static constexpr int kShift = 24;
  double pixel_scale = 1.0 / 255.0;         // p -> [0, 1]
  std::vector<double> mean, std;            // per input channel
  std::vector<int64_t> multiplier, offset;  // derived from the above and the input quantization
};

/// A quantized network, ready to run.
struct Network {
  std::string name;
  std::string source_file;
  Shape input_shape;
  Preprocess preprocess;
  ActivationQuant input_quant;
  bool input_quant_given = false;  // input.quant came from the file (else: calibrated)
  std::vector<Layer> layers;
  int output = -1;  // index of the layer whose output are the class scores
  /// Where groupnorm parameters live: in the weight SRAM like weights (default; they see its
  /// faults) or in a protected register file (no faults, no SRAM words). A run option.
  bool norm_params_in_sram = true;

  /// True when layer `l`'s parameters occupy weight SRAM words (conv2d, linear; groupnorm unless
  /// norm_params_in_sram is false) and are read through it, faults included.
  bool params_in_weight_sram(const Layer& l) const {
    return l.has_weights() || (l.type == LayerType::GroupNorm && norm_params_in_sram);
  }

  /// Quantization of the tensor produced by `source` (a layer index, or -1 for the network input).
  const ActivationQuant& quant_of(int source) const {
    return source < 0 ? input_quant : layers[size_t(source)].out_quant;
  }

  int64_t total_macs() const {
    int64_t s = 0;
    for (const auto& l : layers) s += l.macs();
    return s;
  }
  int64_t total_weights() const {
    int64_t s = 0;
    for (const auto& l : layers) s += int64_t(l.weight.stored.size());
    return s;
  }
};

}  // namespace lvsim
