// Random quantized networks for the fast-path tests: every layer type, odd channel counts, groups
// and depthwise, strides, padding, asymmetric zero points and requantization ratios that make
// both mid-range and saturated outputs. Deterministic in the seed.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "common/rng.h"
#include "workloads/inference/reference_inference.h"
#include "workloads/network/network.h"
#include "workloads/network/quantization.h"

namespace lvsim::testing {

/// n bytes from the seed (random pixels).
inline std::vector<uint8_t> random_bytes(uint64_t seed, int64_t n) {
  SplitMix64 r(seed);
  std::vector<uint8_t> p(static_cast<size_t>(n));
  for (auto& v : p) v = uint8_t(r.next());
  return p;
}

/// The network's stored weight patterns with each weight bit flipped with probability 0.05, as a
/// low-voltage SRAM read would return them.
inline LayerWeights flipped_weights(const Network& net, uint64_t seed) {
  LayerWeights w = stored_weights(net);
  SplitMix64 r(seed);
  for (size_t l = 0; l < w.size(); ++l)
    for (auto& p : w[l])
      for (int bit = 0; bit < net.layers[l].weight.bits; ++bit)
        if (r.uniform() < 0.05) p = uint8_t(p ^ (1u << bit));
  return w;
}

struct RandomNetOptions {
  int bits = 8;
  WeightStorage storage = WeightStorage::Unsigned;
  bool per_channel = false;
  // Every activation zero point 0 (input and layer outputs), so every conv's padding holds zeros
  // and the fast path skips it.
  bool zero_points_zero = false;
};

class RandomNetBuilder {
 public:
  RandomNetBuilder(uint64_t seed, RandomNetOptions opt) : rng_(seed), opt_(opt) {}

  int uniform(int lo, int hi) { return lo + int(rng_.next() % uint64_t(hi - lo + 1)); }
  bool coin() { return rng_.next() & 1; }

  ActivationQuant random_quant() {
    const double scale = 0.01 + 0.1 * rng_.uniform();
    const int zero_point = uniform(0, 255);
    return {scale, opt_.zero_points_zero ? 0 : zero_point};
  }

  void start(Shape input) {
    net_ = Network{};
    net_.name = "random";
    net_.input_shape = input;
    net_.input_quant = random_quant();
    net_.preprocess.mean.assign(size_t(input.c), 0.0);
    net_.preprocess.std.assign(size_t(input.c), 1.0);
    for (int c = 0; c < input.c; ++c) {
      // code = sat8(z + rshift(p*M + B, 24)) with M ~ 0.5..1.5 and a random offset: some saturation.
      net_.preprocess.multiplier.push_back(int64_t((0.5 + rng_.uniform()) * (1 << 24)));
      net_.preprocess.offset.push_back(int64_t((rng_.uniform() - 0.5) * 100.0 * (1 << 24)));
    }
  }

  int last() const { return int(net_.layers.size()) - 1; }
  const Shape& shape_of(int src) const { return src < 0 ? net_.input_shape : net_.layers[size_t(src)].out_shape; }

  int conv(int src, int out_c, int k_h, int k_w, int stride, int pad, int groups) {
    Layer L = base(src, LayerType::Conv2d);
    const Shape in = L.in_shape;
    L.out_channels = out_c;
    L.kernel_h = k_h;
    L.kernel_w = k_w;
    L.stride_h = L.stride_w = stride;
    L.pad_h = L.pad_w = pad;
    L.groups = groups;
    L.out_shape = {out_c, (in.h + 2 * pad - k_h) / stride + 1, (in.w + 2 * pad - k_w) / stride + 1};
    weights(L, int64_t(in.c / groups) * k_h * k_w);
    return push(L);
  }

  int linear(int src, int out_features) {
    Layer L = base(src, LayerType::Linear);
    L.out_channels = out_features;
    L.out_shape = {out_features, 1, 1};
    weights(L, L.in_shape.size());
    return push(L);
  }

  int simple(int src, LayerType t) {
    Layer L = base(src, t);
    L.out_quant = L.in_quant;
    L.out_shape = t == LayerType::Flatten ? Shape{int(L.in_shape.size()), 1, 1} : L.in_shape;
    return push(L);
  }

  int pool(int src, LayerType t, int k, int stride, int pad) {
    Layer L = base(src, t);
    L.out_quant = L.in_quant;
    L.kernel_h = L.kernel_w = k;
    L.stride_h = L.stride_w = stride;
    L.pad_h = L.pad_w = pad;
    L.out_shape = {L.in_shape.c, (L.in_shape.h + 2 * pad - k) / stride + 1, (L.in_shape.w + 2 * pad - k) / stride + 1};
    return push(L);
  }

  int global_avgpool(int src) {
    Layer L = base(src, LayerType::AvgPool2d);
    L.out_quant = L.in_quant;
    L.kernel_h = L.in_shape.h;
    L.kernel_w = L.in_shape.w;
    L.stride_h = L.in_shape.h;
    L.stride_w = L.in_shape.w;
    L.out_shape = {L.in_shape.c, 1, 1};
    return push(L);
  }

  int add(std::vector<int> srcs) {
    Layer L = base(srcs[0], LayerType::Add);
    L.inputs = srcs;
    L.out_shape = L.in_shape;
    L.out_quant = random_quant();
    std::vector<ActivationQuant> ins;
    for (int s : srcs) ins.push_back(net_.quant_of(s));
    make_add_requant(ins, L.out_quant, L.add_multiplier, L.add_shift);
    return push(L);
  }

  Network finish(int output) {
    net_.output = output;
    return net_;
  }

  /// finish(), then calibrate() on 8 random images from `pixel_seed`.
  Network finish_calibrated(int output, uint64_t pixel_seed) {
    Network net = finish(output);
    const std::vector<uint8_t> pixels = random_bytes(pixel_seed, 8 * net.input_shape.size());
    calibrate(net, pixels.data(), 8);
    return net;
  }

 private:
  Layer base(int src, LayerType t) {
    Layer L;
    L.name = std::string(layer_type_name(t)) + std::to_string(net_.layers.size());
    L.type = t;
    L.inputs = {src};
    L.in_shape = shape_of(src);
    L.in_quant = net_.quant_of(src);
    return L;
  }

  int push(Layer& L) {
    net_.layers.push_back(L);
    return last();
  }

  void weights(Layer& L, int64_t per_out) {
    WeightTensor& W = L.weight;
    W.bits = opt_.bits;
    W.storage = opt_.storage;
    W.per_channel = opt_.per_channel;
    W.out_channels = L.out_channels;
    W.per_out = per_out;
    const int levels = 1 << opt_.bits;
    for (int64_t i = 0; i < L.out_channels * per_out; ++i) W.stored.push_back(uint8_t(rng_.next() % uint64_t(levels)));
    // Zero points in the decoded domain: anywhere in the code range (asymmetric), shared per tensor
    // unless per channel.
    const int lo = opt_.storage == WeightStorage::Unsigned ? 0 : -levels / 2;
    const int z_tensor = uniform(lo, lo + levels - 1);
    L.out_quant = random_quant();
    for (int o = 0; o < L.out_channels; ++o) {
      W.zero_point.push_back(opt_.per_channel ? uniform(lo, lo + levels - 1) : z_tensor);
      W.scale.push_back(0.01);
      // Small biases; one channel in 16 gets a huge one (saturates at either end, and is left so
      // by calibrate()).
      const bool huge = rng_.next() % 16 == 0;
      const int64_t big = huge ? (int64_t(1) << 30) : (int64_t(1) << 12);
      L.bias.push_back(int32_t(int64_t(rng_.next() % uint64_t(2 * big)) - big));
      huge_bias_.push_back(huge);
      L.requant.push_back(make_requant(1.0 / 1024));  // replaced by calibrate()
    }
  }

 public:
  /// Sets each conv/linear channel's requantization from the golden accumulators on `count`
  /// images so that its outputs spread over the code range (a random ratio of 0.5..2 x range/255,
  /// centred by the bias): mid-range codes and some saturation, instead of all-saturated layers.
  void calibrate(Network& net, const uint8_t* pixels, int count) {
    std::vector<std::vector<std::vector<uint8_t>>> outs(size_t(count),
                                                        std::vector<std::vector<uint8_t>>(net.layers.size()));
    std::vector<std::vector<uint8_t>> inputs;
    for (int i = 0; i < count; ++i) inputs.push_back(preprocess_image(net, pixels + i * net.input_shape.size()));
    size_t huge_index = 0;
    for (size_t l = 0; l < net.layers.size(); ++l) {
      Layer& L = net.layers[l];
      auto ins = [&](int i) {
        std::vector<const std::vector<uint8_t>*> v;
        for (int src : L.inputs) v.push_back(src < 0 ? &inputs[size_t(i)] : &outs[size_t(i)][size_t(src)]);
        return v;
      };
      if (L.has_weights()) {
        const int64_t plane = L.out_shape.size() / L.out_channels;
        std::vector<double> lo(size_t(L.out_channels), 1e300), hi(size_t(L.out_channels), -1e300);
        for (int i = 0; i < count; ++i) {
          const std::vector<int32_t> acc = layer_accumulators(net, int(l), *ins(i)[0], L.weight.stored);
          for (int o = 0; o < L.out_channels; ++o)
            for (int64_t p = 0; p < plane; ++p) {
              lo[size_t(o)] = std::min(lo[size_t(o)], double(acc[size_t(o * plane + p)]));
              hi[size_t(o)] = std::max(hi[size_t(o)], double(acc[size_t(o * plane + p)]));
            }
        }
        for (int o = 0; o < L.out_channels; ++o, ++huge_index) {
          if (huge_bias_[huge_index]) continue;
          const double ratio =
              255.0 / (hi[size_t(o)] - lo[size_t(o)] + 1.0) * std::pow(2.0, 2.0 * rng_.uniform() - 1.0);
          L.requant[size_t(o)] = make_requant(ratio);
          const double mid = (hi[size_t(o)] + lo[size_t(o)]) / 2.0;
          L.bias[size_t(o)] += int32_t(std::llround(-mid + (128.0 - L.out_quant.zero_point) / ratio));
        }
      }
      for (int i = 0; i < count; ++i) outs[size_t(i)][l] = run_layer(net, int(l), ins(i), L.weight.stored);
    }
  }

 private:
  SplitMix64 rng_;
  RandomNetOptions opt_;
  Network net_;
  std::vector<bool> huge_bias_;  // per conv/linear output channel, in layer order
};

}  // namespace lvsim::testing
