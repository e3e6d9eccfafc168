#include "workloads/inference/reference_inference.h"

#include <algorithm>
#include <stdexcept>

#include "common/parallel.h"
#include "workloads/network/quantization.h"

namespace lvsim {

LayerWeights stored_weights(const Network& net) {
  LayerWeights w(net.layers.size());
  for (size_t i = 0; i < net.layers.size(); ++i) w[i] = net.layers[i].weight.stored;
  return w;
}

std::vector<uint8_t> preprocess_image(const Network& net, const uint8_t* pixels) {
  const Shape& s = net.input_shape;
  std::vector<uint8_t> out(size_t(s.size()));
  const int64_t plane = int64_t(s.h) * s.w;
  for (int c = 0; c < s.c; ++c)
    for (int64_t i = 0; i < plane; ++i)
      out[c * plane + i] = preprocess_pixel(net.preprocess, c, pixels[c * plane + i], net.input_quant.zero_point);
  return out;
}

std::vector<int32_t> layer_accumulators(const Network& net, int layer, const std::vector<uint8_t>& input,
                                        const std::vector<uint8_t>& weight_patterns) {
  const Layer& L = net.layers.at(layer);
  if (!L.has_weights()) throw std::invalid_argument("layer_accumulators: layer has no weights");
  const WeightTensor& W = L.weight;
  if (weight_patterns.size() != W.stored.size()) throw std::invalid_argument("layer_accumulators: weight count");
  const Shape in = L.in_shape, out = L.out_shape;
  const int32_t za = L.in_quant.zero_point;
  std::vector<int32_t> acc(size_t(out.size()));
  const int cin_g = in.c / L.groups, cout_g = L.out_channels / L.groups;
  // Linear reads its input flattened (C, H, W order): a 1x1 "convolution" over a 1x1 map whose
  // channels are all the input values.
  const bool linear = L.type == LayerType::Linear;
  for (int o = 0; o < L.out_channels; ++o) {
    const int g = o / cout_g;
    const int32_t zw = W.zero_point[o];
    const uint8_t* wrow = weight_patterns.data() + int64_t(o) * W.per_out;
    std::vector<int32_t> wadj(size_t(W.per_out));  // zero-point-adjusted weights of this filter
    for (int64_t k = 0; k < W.per_out; ++k) wadj[size_t(k)] = W.decode(wrow[k]) - zw;
    for (int y = 0; y < out.h; ++y)
      for (int x = 0; x < out.w; ++x) {
        // 32-bit two's complement accumulation, as the hardware adders (wrap-around is defined
        // by doing the sum in uint32).
        uint32_t sum = uint32_t(L.bias.empty() ? 0 : L.bias[o]);
        if (linear) {
          for (int64_t k = 0; k < W.per_out; ++k) sum += uint32_t(wadj[size_t(k)] * (int32_t(input[size_t(k)]) - za));
        } else {
          int64_t k = 0;
          for (int c = 0; c < cin_g; ++c) {
            const int ci = g * cin_g + c;
            for (int ky = 0; ky < L.kernel_h; ++ky)
              for (int kx = 0; kx < L.kernel_w; ++kx, ++k) {
                const int iy = y * L.stride_h - L.pad_h + ky, ix = x * L.stride_w - L.pad_w + kx;
                if (iy < 0 || iy >= in.h || ix < 0 || ix >= in.w) continue;  // padding: code za, adds 0
                const int32_t a = input[(int64_t(ci) * in.h + iy) * in.w + ix];
                sum += uint32_t(wadj[size_t(k)] * (a - za));
              }
          }
        }
        acc[(int64_t(o) * out.h + y) * out.w + x] = int32_t(sum);
      }
  }
  return acc;
}

namespace {

using int128 = __int128;

// floor((x + 2^(k-1)) / 2^k) on 128 bits, k >= 1.
int128 rshift128(int128 x, int k) {
  return (x + (int128(1) << (k - 1))) >> k;
}

// floor(sqrt(x)) of x >= 0, exact: the bit-by-bit (restoring) square root.
int128 isqrt128(int128 x) {
  int128 root = 0, bit = int128(1) << 124;
  while (bit > x) bit >>= 2;
  while (bit != 0) {
    if (x >= root + bit) {
      x -= root + bit;
      root = (root >> 1) + bit;
    } else {
      root >>= 1;
    }
    bit >>= 2;
  }
  return root;
}

// Group normalization of one image (docs/quantization.md, "Group normalization"), steps 1-5 per group.
void group_norm(const Layer& L, const std::vector<uint8_t>& in, const std::vector<uint8_t>& params,
                std::vector<uint8_t>& out) {
  const WeightTensor& W = L.weight;
  const GroupNormParams& p = L.norm;
  const int64_t plane = int64_t(L.in_shape.h) * L.in_shape.w;
  const int cg = L.in_shape.c / L.groups;
  const int64_t n = int64_t(cg) * plane;
  const int32_t z_in = L.in_quant.zero_point;
  for (int g = 0; g < L.groups; ++g) {
    const int64_t first = int64_t(g) * n;
    int64_t s1 = 0, s2 = 0;
    for (int64_t i = first; i < first + n; ++i) {
      const int64_t x = int64_t(in[size_t(i)]) - z_in;
      s1 += x;
      s2 += x * x;
    }
    const int64_t d = n * s2 - s1 * s1 + p.eps_term;
    const int128 q = isqrt128(int128(d) << 32);
    int b = 0;
    while ((int128(1) << b) <= q) ++b;
    const int64_t inv = int64_t((int128(1) << (b + 30)) / q);
    for (int c = g * cg; c < (g + 1) * cg; ++c) {
      const int64_t gamma = int64_t(W.decode(params[size_t(c)]) - W.zero_point[0]) * 256 + p.offset_term;
      const int64_t beta = W.decode(params[size_t(W.per_out + c)]) - W.zero_point[1];
      for (int64_t i = int64_t(c) * plane; i < int64_t(c + 1) * plane; ++i) {
        const int64_t x = int64_t(in[size_t(i)]) - z_in;
        const int64_t h = int64_t(rshift128(int128(n * x - s1) * inv, b - 2));
        const int128 acc = int128(h) * gamma * p.gamma_requant.multiplier + int128(beta) * p.beta_multiplier;
        const int128 y = L.out_quant.zero_point + rshift128(acc, p.gamma_requant.shift + 24);
        out[size_t(i)] = uint8_t(y < 0 ? 0 : (y > 255 ? 255 : y));
      }
    }
  }
}

}  // namespace

std::vector<uint8_t> run_layer(const Network& net, int layer, const std::vector<const std::vector<uint8_t>*>& inputs,
                               const std::vector<uint8_t>& weight_patterns) {
  const Layer& L = net.layers.at(layer);
  const std::vector<uint8_t>& in = *inputs.at(0);
  const Shape is = L.in_shape, os = L.out_shape;
  std::vector<uint8_t> out(size_t(os.size()));
  switch (L.type) {
    case LayerType::Conv2d:
    case LayerType::Linear: {
      std::vector<int32_t> acc = layer_accumulators(net, layer, in, weight_patterns);
      const int64_t plane = int64_t(os.h) * os.w;
      for (int o = 0; o < os.c; ++o)
        for (int64_t i = 0; i < plane; ++i)
          out[o * plane + i] = requantize(acc[o * plane + i], L.requant[o], L.out_quant.zero_point);
      break;
    }
    case LayerType::Relu: {
      const uint8_t z = uint8_t(L.in_quant.zero_point);
      for (size_t i = 0; i < out.size(); ++i) out[i] = std::max(in[i], z);
      break;
    }
    case LayerType::Flatten:
      out = in;
      break;
    case LayerType::MaxPool2d:
    case LayerType::AvgPool2d: {
      const bool is_max = L.type == LayerType::MaxPool2d;
      for (int c = 0; c < os.c; ++c)
        for (int y = 0; y < os.h; ++y)
          for (int x = 0; x < os.w; ++x) {
            int32_t best = 0, sum = 0, n = 0;
            for (int ky = 0; ky < L.kernel_h; ++ky)
              for (int kx = 0; kx < L.kernel_w; ++kx) {
                const int iy = y * L.stride_h - L.pad_h + ky, ix = x * L.stride_w - L.pad_w + kx;
                if (iy < 0 || iy >= is.h || ix < 0 || ix >= is.w) continue;  // padding ignored
                const int32_t v = in[(int64_t(c) * is.h + iy) * is.w + ix];
                best = n == 0 ? v : std::max(best, v);
                sum += v;
                ++n;
              }
            // Average over the full window size (avgpool has no padding, so n is the window size).
            const int32_t window = L.kernel_h * L.kernel_w;
            out[(int64_t(c) * os.h + y) * os.w + x] = uint8_t(is_max ? best : (sum + window / 2) / window);
          }
      break;
    }
    case LayerType::GroupNorm:
      if (weight_patterns.size() != L.weight.stored.size())
        throw std::invalid_argument("run_layer: groupnorm parameter count");
      group_norm(L, in, weight_patterns, out);
      break;
    case LayerType::Add: {
      for (size_t i = 0; i < out.size(); ++i) {
        int64_t s = 0;
        for (size_t j = 0; j < inputs.size(); ++j)
          s += (int64_t((*inputs[j])[i]) - net.quant_of(L.inputs[j]).zero_point) * L.add_multiplier[j];
        out[i] = saturate_u8(L.out_quant.zero_point + round_shift(s, L.add_shift));
      }
      break;
    }
  }
  return out;
}

std::vector<std::vector<uint8_t>> run_all_layers(const Network& net, const uint8_t* pixels,
                                                 const LayerWeights& weights) {
  std::vector<std::vector<uint8_t>> outs(net.layers.size());
  const std::vector<uint8_t> input = preprocess_image(net, pixels);
  static const std::vector<uint8_t> kNoWeights;
  for (size_t l = 0; l < net.layers.size(); ++l) {
    std::vector<const std::vector<uint8_t>*> ins;
    for (int src : net.layers[l].inputs) ins.push_back(src < 0 ? &input : &outs[size_t(src)]);
    outs[l] = run_layer(net, int(l), ins, net.layers[l].has_parameters() ? weights.at(l) : kNoWeights);
  }
  return outs;
}

int argmax_class(const std::vector<uint8_t>& scores) {
  return int(std::max_element(scores.begin(), scores.end()) - scores.begin());
}

std::vector<int> predict(const Network& net, const uint8_t* pixels, int64_t count, const LayerWeights& weights,
                         int threads) {
  std::vector<int> pred(size_t(std::max<int64_t>(count, 0)));
  const int64_t image_size = net.input_shape.size();
  threads = int(std::clamp<int64_t>(threads, 1, std::max<int64_t>(count, 1)));
  // Each image is independent and written to its own slot: the result cannot depend on threads.
  auto work = [&](int t) {
    for (int64_t i = t; i < count; i += threads)
      pred[size_t(i)] = argmax_class(run_all_layers(net, pixels + i * image_size, weights)[size_t(net.output)]);
  };
  run_on_threads(threads, work);
  return pred;
}

}  // namespace lvsim
