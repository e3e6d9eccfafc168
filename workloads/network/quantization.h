// Integer-only quantization arithmetic shared by the golden inference and every hardware path,
// and the import-time weight quantization schemes. Formulas: docs/quantization.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "workloads/network/network.h"

namespace lvsim {

/// Round half away from zero (the rounding of every real -> integer conversion at import time).
int64_t round_half_away(double x);

/// Rounding arithmetic right shift: floor((x + 2^(n-1)) / 2^n), n in 1..62 (round half up).
inline int64_t round_shift(int64_t x, int n) {
  return (x + (int64_t(1) << (n - 1))) >> n;
}

/// Saturates to an 8-bit activation code.
inline uint8_t saturate_u8(int64_t x) {
  return uint8_t(x < 0 ? 0 : (x > 255 ? 255 : x));
}

/// Fixed-point form of a positive real ratio: frexp(r) = f * 2^e, multiplier = round(f * 2^31)
/// (renormalised if it rounds to 2^31), shift = 31 - e. Throws std::domain_error when the shift
/// falls outside 1..62 (ratio too large or too small for 32-bit requantization).
Requant make_requant(double ratio);

/// Output code of a conv/linear accumulator: clamp(zero_point + round_shift(acc * M, shift)).
inline uint8_t requantize(int32_t acc, const Requant& rq, int32_t out_zero_point) {
  return saturate_u8(out_zero_point + round_shift(int64_t(acc) * rq.multiplier, rq.shift));
}

/// Weight quantization scheme applied at import to float weights (the paper's options).
struct WeightQuantScheme {
  int bits = 8;              // m, 2..8
  bool per_channel = false;  // per output channel ranges (else per tensor)
  bool symmetric = false;    // else asymmetric
  WeightStorage storage = WeightStorage::Unsigned;
  bool rounding = true;    // else truncation toward zero
  double clip = 0.0;       // w_max > 0 clips weights to [-w_max, w_max]; 0 = no clipping
  double epsilon = 0.001;  // added to q_max, as in the seed work's code

  /// The paper's "robust quantization": per-tensor, asymmetric, unsigned, rounding (m bits).
  static WeightQuantScheme robust(int bits) {
    WeightQuantScheme s;
    s.bits = bits;
    return s;
  }
};

/// Quantizes float weights laid out [out_channels][per_out]. Fills stored patterns, scales and
/// integer zero points so that w ~ scale[o] * (decode(stored) - zero_point[o]).
WeightTensor quantize_weights(const std::vector<double>& w, int64_t out_channels, const WeightQuantScheme& s);

/// Real value of weight i of a tensor (dequantization; for calibration and float checks only).
double dequantize_weight(const WeightTensor& t, int64_t i);

/// Ranges of an activation tensor narrower than this are degenerate (docs/quantization.md).
constexpr double kMinActivationRange = 1e-8;

/// Activation quantization covering [lo, hi] (widened to include 0; a range narrower than
/// kMinActivationRange becomes [lo, lo + 1]): scale = (hi - lo) / 255,
/// zero_point = clamp(round(-lo / scale), 0, 255).
ActivationQuant activation_quant_from_range(double lo, double hi);

/// Derives the integer preprocessing constants from pixel_scale, mean, std and the input quant.
void derive_preprocess(Preprocess& p, const ActivationQuant& input_quant);

/// Input code of a raw pixel of channel c.
inline uint8_t preprocess_pixel(const Preprocess& p, int c, uint8_t pixel, int32_t zero_point) {
  return saturate_u8(zero_point + round_shift(int64_t(pixel) * p.multiplier[c] + p.offset[c], Preprocess::kShift));
}

/// Per-channel requantization of a conv/linear layer from in/out activation scales and weight scales.
std::vector<Requant> make_layer_requant(const ActivationQuant& in, const WeightTensor& w, const ActivationQuant& out);

/// Shared-shift multipliers for an add layer: y = zo + round_shift(sum_i (q_i - z_i) * M_i, shift).
void make_add_requant(const std::vector<ActivationQuant>& ins, const ActivationQuant& out,
                      std::vector<int64_t>& multipliers, int& shift);

}  // namespace lvsim
