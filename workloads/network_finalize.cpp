#include "workloads/network_finalize.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include "common/errors.h"
#include "workloads/quantization.h"

namespace lvsim {

namespace {

std::string layer_field(const Layer& l, const std::string& key) {
  return "layers[" + l.name + "]." + key;
}

const ActivationQuant& quant_of(const Network& net, int index) {
  return index < 0 ? net.input_quant : net.layers[size_t(index)].out_quant;
}

void quantize_bias(const Network& net, Layer& l) {
  if (l.bias_real.empty()) {
    if (l.bias.empty()) l.bias.assign(size_t(l.out_channels), 0);
    return;
  }
  l.bias.resize(l.bias_real.size());
  for (size_t o = 0; o < l.bias_real.size(); ++o) {
    const double x = l.bias_real[o] / (l.in_quant.scale * l.weight.scale[o]);
    // Checked before rounding so that huge values cannot overflow the int64 conversion.
    if (!(x > -2147483648.5 && x < 2147483647.5))
      throw ConfigError(
          located(net.source_file, layer_field(l, "bias"),
                  "element " + std::to_string(o) +
                      " is out of the int32 range once quantized (b / (s_in * scale) = " + std::to_string(x) + ")"));
    l.bias[o] = int32_t(round_half_away(x));
  }
}

}  // namespace

bool needs_calibration(const Network& net) {
  if (!net.input_quant_given) return true;
  for (const auto& l : net.layers)
    if ((l.has_weights() || l.type == LayerType::Add) && !l.out_quant_given) return true;
  return false;
}

void finalize_network(Network& net) {
  derive_preprocess(net.preprocess, net.input_quant);
  for (auto& l : net.layers) {
    l.in_quant = quant_of(net, l.inputs.at(0));
    switch (l.type) {
      case LayerType::Conv2d:
      case LayerType::Linear:
        quantize_bias(net, l);
        try {
          l.requant = make_layer_requant(l.in_quant, l.weight, l.out_quant);
        } catch (const std::domain_error&) {
          throw ConfigError(located(net.source_file, layer_field(l, "output_quant"),
                                    "scale " + std::to_string(l.out_quant.scale) +
                                        " cannot be reached from s_in * s_w by a 32-bit multiplier with shift 1..62"));
        }
        break;
      case LayerType::Add: {
        std::vector<ActivationQuant> ins;
        for (int i : l.inputs) ins.push_back(quant_of(net, i));
        try {
          make_add_requant(ins, l.out_quant, l.add_multiplier, l.add_shift);
        } catch (const std::domain_error&) {
          throw ConfigError(located(net.source_file, layer_field(l, "output_quant"),
                                    "scale " + std::to_string(l.out_quant.scale) +
                                        " cannot be reached from the input scales with shift 1..62"));
        }
        break;
      }
      default:
        l.out_quant = l.in_quant;
        break;
    }
  }
}

}  // namespace lvsim
