#include "workloads/network/weight_requantization.h"

#include <algorithm>
#include <string>

#include "common/errors.h"
#include "workloads/network/network_finalize.h"
#include "workloads/network/quantization.h"

namespace lvsim {
namespace {

std::string network_origin(const Network& net) {
  return !net.source_file.empty() ? net.source_file : !net.name.empty() ? net.name : "network";
}

void check_bits(const Network& net, int bits) {
  if (bits < 2 || bits > 8)
    throw ConfigError(located(network_origin(net), "weight_bits",
                              "re-quantization to " + std::to_string(bits) + " bits: weights have 2..8 bits"));
}

// A groupnorm's gamma and beta rows re-quantized as two tensors (each its own range), as at import.
void requantize_norm_params(Layer& L, int bits) {
  const WeightTensor& W = L.weight;
  WeightQuantScheme s = WeightQuantScheme::robust(bits);
  s.storage = W.storage;
  WeightTensor out = W;
  out.bits = bits;
  for (int64_t row = 0; row < 2; ++row) {
    std::vector<double> real(size_t(W.per_out));
    for (int64_t i = 0; i < W.per_out; ++i) real[size_t(i)] = dequantize_weight(W, row * W.per_out + i);
    const WeightTensor t = quantize_weights(real, 1, s);
    std::copy(t.stored.begin(), t.stored.end(), out.stored.begin() + row * W.per_out);
    out.scale[size_t(row)] = t.scale[0];
    out.zero_point[size_t(row)] = t.zero_point[0];
  }
  L.weight = std::move(out);
}

}  // namespace

void requantize_weights(Network& net, int bits) {
  check_bits(net, bits);
  const bool finalized = !needs_calibration(net);
  bool changed = false;
  for (Layer& L : net.layers) {
    if (L.type == LayerType::GroupNorm && L.weight.bits != bits) {
      requantize_norm_params(L, bits);
      changed = true;
      continue;
    }
    if (!L.has_weights() || L.weight.bits == bits) continue;
    const WeightTensor& W = L.weight;
    if (L.bias_real.empty() && !L.bias.empty()) {
      if (!finalized)
        throw ConfigError(located(network_origin(net), "layers[" + L.name + "].bias",
                                  "an int32 bias cannot be re-quantized before the input scale is calibrated"));
      L.bias_real.resize(L.bias.size());
      for (size_t o = 0; o < L.bias.size(); ++o) L.bias_real[o] = double(L.bias[o]) * L.in_quant.scale * W.scale[o];
    }
    std::vector<double> real(W.stored.size());
    for (size_t i = 0; i < real.size(); ++i) real[i] = dequantize_weight(W, int64_t(i));
    WeightQuantScheme s = WeightQuantScheme::robust(bits);
    s.per_channel = W.per_channel;
    s.storage = W.storage;
    L.weight = quantize_weights(real, W.out_channels, s);
    changed = true;
  }
  if (changed && finalized) finalize_network(net);
}

void set_weight_bits_for_timing(Network& net, int bits) {
  check_bits(net, bits);
  for (Layer& L : net.layers) {
    if (!L.has_parameters()) continue;
    L.weight.bits = bits;
    std::fill(L.weight.stored.begin(), L.weight.stored.end(), uint8_t(0));
  }
}

}  // namespace lvsim
