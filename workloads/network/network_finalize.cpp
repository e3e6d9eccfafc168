#include "workloads/network/network_finalize.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "common/errors.h"
#include "workloads/network/quantization.h"

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

[[noreturn]] void norm_range_error(const Network& net, const Layer& l, const std::string& key,
                                   const std::string& what) {
  throw ConfigError(located(net.source_file, layer_field(l, key), what));
}

// A real value rounded half away from zero, if its magnitude is below 2^bits.
bool round_within(double x, int bits, int64_t& out) {
  if (!(std::fabs(x) < std::ldexp(1.0, bits))) return false;
  out = round_half_away(x);
  return std::llabs(out) < (int64_t(1) << bits);
}

// The integer constants of a groupnorm (docs/quantization.md, "Group normalization"): E, O, (M, sh), K.
void derive_groupnorm(const Network& net, Layer& l) {
  GroupNormParams& p = l.norm;
  const double s_in = l.in_quant.scale, s_out = l.out_quant.scale;
  const double s_g = l.weight.scale.at(0), s_b = l.weight.scale.at(1);
  const double n = double(l.in_shape.size() / l.groups);
  const double e = n * n * p.eps / (s_in * s_in);
  if (!round_within(e, 62, p.eps_term))
    norm_range_error(net, l, "eps", "n^2 eps / s_in^2 is not below 2^62 (eps too large for the input scale)");
  p.eps_term = std::max<int64_t>(1, p.eps_term);
  if (!round_within(p.gamma_offset / s_g * 256.0, 40, p.offset_term))
    norm_range_error(net, l, "gamma_offset", "gamma_offset / s_gamma * 2^8 is not below 2^40 in magnitude");
  try {
    p.gamma_requant = make_requant(s_g / s_out);
  } catch (const std::domain_error&) {
    norm_range_error(net, l, "output_quant",
                     "scale " + std::to_string(s_out) +
                         " cannot be reached from the gamma scale by a 32-bit multiplier with shift 1..62");
  }
  if (!round_within(std::ldexp(s_b / s_out, p.gamma_requant.shift + 24), 62, p.beta_multiplier))
    norm_range_error(net, l, "beta",
                     "s_beta / s_out * 2^(sh + 24) is not below 2^62 (beta scale too large next to the gamma scale)");
}

}  // namespace

bool needs_calibration(const Network& net) {
  if (!net.input_quant_given) return true;
  for (const auto& l : net.layers)
    if ((l.has_weights() || l.type == LayerType::Add || l.type == LayerType::GroupNorm) && !l.out_quant_given)
      return true;
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
      case LayerType::GroupNorm:
        derive_groupnorm(net, l);
        break;
      default:
        l.out_quant = l.in_quant;
        break;
    }
  }
}

}  // namespace lvsim
