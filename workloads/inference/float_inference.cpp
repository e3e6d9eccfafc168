#include "workloads/inference/float_inference.h"

#include <algorithm>
#include <cmath>

#include "common/errors.h"
#include "workloads/network/quantization.h"

namespace lvsim {

namespace {

std::string shape_text(const Shape& s) {
  return std::to_string(s.c) + "x" + std::to_string(s.h) + "x" + std::to_string(s.w);
}

Shape input_shape_of(const Network& net, int producer) {
  return producer < 0 ? net.input_shape : net.layers[size_t(producer)].out_shape;
}

// Output shape a layer must have given its input shape and parameters (window layers: floor).
Shape expected_out_shape(const Network& net, const Layer& l, const std::string& file) {
  const Shape in = input_shape_of(net, l.inputs.at(0));
  auto window = [&](int size, int k, int s, int p) { return (size + 2 * p - k) / s + 1; };
  switch (l.type) {
    case LayerType::Conv2d:
      if (l.groups <= 0 || in.c % l.groups != 0 || l.out_channels % l.groups != 0)
        throw ConfigError(located(file, l.name, "groups must divide the input and output channels"));
      return Shape{l.out_channels, window(in.h, l.kernel_h, l.stride_h, l.pad_h),
                   window(in.w, l.kernel_w, l.stride_w, l.pad_w)};
    case LayerType::Linear:
      return Shape{l.out_channels, 1, 1};
    case LayerType::MaxPool2d:
      return Shape{in.c, window(in.h, l.kernel_h, l.stride_h, l.pad_h), window(in.w, l.kernel_w, l.stride_w, l.pad_w)};
    case LayerType::AvgPool2d:
      return Shape{in.c, window(in.h, l.kernel_h, l.stride_h, 0), window(in.w, l.kernel_w, l.stride_w, 0)};
    case LayerType::Flatten:
      return Shape{int(in.size()), 1, 1};
    case LayerType::Relu:
    case LayerType::Add:
    case LayerType::GroupNorm:
      return in;
  }
  return in;
}

// Input x = (p * pixel_scale - mean[c]) / std[c]; mean/std default to 0/1 and broadcast when
// one value is given for several channels.
double channel_value(const std::vector<double>& v, int c, double dflt) {
  if (v.empty()) return dflt;
  return v.size() == 1 ? v[0] : v.at(size_t(c));
}

}  // namespace

FloatNetwork::FloatNetwork(const Network& net, const std::vector<bool>& in_scale_known, FloatKernels kernels)
    : net_(net), kernels_(kernels) {
  const std::string file = net.source_file.empty() ? net.name : net.source_file;
  weight_.resize(net.layers.size());
  bias_.resize(net.layers.size());
  for (size_t li = 0; li < net.layers.size(); ++li) {
    const Layer& l = net.layers[li];
    if (l.inputs.empty()) throw ConfigError(located(file, l.name, "layer has no input"));
    for (int p : l.inputs)
      if (p < -1 || p >= int(li)) throw ConfigError(located(file, l.name, "input must be an earlier layer"));
    const Shape in = input_shape_of(net, l.inputs[0]);
    for (int p : l.inputs)
      if (!(input_shape_of(net, p) == in)) throw ConfigError(located(file, l.name, "inputs differ in shape"));
    const Shape out = expected_out_shape(net, l, file);
    if (!(out == l.out_shape))
      throw ConfigError(located(file, l.name,
                                "output shape " + shape_text(l.out_shape) + " does not follow from input " +
                                    shape_text(in) + " (expected " + shape_text(out) + ")"));
    if (l.type == LayerType::GroupNorm) {
      const WeightTensor& w = l.weight;
      if (w.out_channels != 2 || w.per_out != in.c || int64_t(w.stored.size()) != 2 * int64_t(in.c) ||
          w.scale.size() != 2 || w.zero_point.size() != 2 || l.groups <= 0 || in.c % l.groups != 0)
        throw ConfigError(located(file, l.name, "groupnorm parameters do not match the layer's shape"));
      // gamma_offset + gamma (row 0), beta (row 1), dequantized.
      weight_[li].resize(w.stored.size());
      for (size_t i = 0; i < w.stored.size(); ++i)
        weight_[li][i] = float(dequantize_weight(w, int64_t(i)) + (int64_t(i) < w.per_out ? l.norm.gamma_offset : 0.0));
      continue;
    }
    if (!l.has_weights()) continue;
    const WeightTensor& w = l.weight;
    const int64_t per_out =
        l.type == LayerType::Linear ? in.size() : int64_t(in.c / l.groups) * l.kernel_h * l.kernel_w;
    if (w.out_channels != l.out_channels || w.per_out != per_out ||
        int64_t(w.stored.size()) != w.out_channels * w.per_out || int64_t(w.scale.size()) != w.out_channels ||
        int64_t(w.zero_point.size()) != w.out_channels)
      throw ConfigError(located(file, l.name, "weight tensor does not match the layer's shape"));
    weight_[li].resize(w.stored.size());
    for (size_t i = 0; i < w.stored.size(); ++i) weight_[li][i] = float(dequantize_weight(w, int64_t(i)));
    bias_[li].assign(size_t(l.out_channels), 0.0f);
    if (!l.bias_real.empty()) {
      if (int64_t(l.bias_real.size()) != l.out_channels) throw ConfigError(located(file, l.name, "bias size"));
      for (int o = 0; o < l.out_channels; ++o) bias_[li][size_t(o)] = float(l.bias_real[size_t(o)]);
    } else if (!l.bias.empty()) {
      if (int64_t(l.bias.size()) != l.out_channels) throw ConfigError(located(file, l.name, "bias size"));
      const bool known = in_scale_known.empty() || in_scale_known.at(li);
      if (known)
        for (int o = 0; o < l.out_channels; ++o)
          bias_[li][size_t(o)] = float(double(l.bias[size_t(o)]) * l.in_quant.scale * w.scale[size_t(o)]);
    }
  }
}

FloatActivations FloatNetwork::run(const uint8_t* pixels) const {
  FloatActivations a;
  const Shape s = net_.input_shape;
  const int64_t plane = int64_t(s.h) * s.w;
  a.input.resize(size_t(s.size()));
  for (int c = 0; c < s.c; ++c) {
    const double mean = channel_value(net_.preprocess.mean, c, 0.0);
    const double sd = channel_value(net_.preprocess.std, c, 1.0);
    for (int64_t i = 0; i < plane; ++i)
      a.input[size_t(c * plane + i)] = float((double(pixels[c * plane + i]) * net_.preprocess.pixel_scale - mean) / sd);
  }
  a.layers.resize(net_.layers.size());
  for (size_t l = 0; l < net_.layers.size(); ++l) a.layers[l] = run_layer(int(l), a);
  return a;
}

namespace {

// Max- or average-pool; padding is ignored (an average divides by the whole window).
void float_pool(const Layer& l, const Shape& is, const Shape& os, const std::vector<float>& in,
                std::vector<float>& out) {
  const bool is_max = l.type == LayerType::MaxPool2d;
  const int pad_h = is_max ? l.pad_h : 0, pad_w = is_max ? l.pad_w : 0;
  for (int c = 0; c < os.c; ++c)
    for (int oy = 0; oy < os.h; ++oy)
      for (int ox = 0; ox < os.w; ++ox) {
        double sum = 0.0;
        float best = 0.0f;
        bool any = false;
        for (int ky = 0; ky < l.kernel_h; ++ky)
          for (int kx = 0; kx < l.kernel_w; ++kx) {
            const int iy = oy * l.stride_h - pad_h + ky, ix = ox * l.stride_w - pad_w + kx;
            if (iy < 0 || iy >= is.h || ix < 0 || ix >= is.w) continue;  // padding is ignored
            const float v = in[size_t((int64_t(c) * is.h + iy) * is.w + ix)];
            sum += v;
            best = any ? std::max(best, v) : v;
            any = true;
          }
        out[size_t((int64_t(c) * os.h + oy) * os.w + ox)] =
            is_max ? best : float(sum / double(l.kernel_h * l.kernel_w));
      }
}

// PyTorch's GroupNorm: biased variance over each group, in double; w holds gamma then beta.
void float_group_norm(const Layer& l, const Shape& is, const std::vector<float>& in, const std::vector<float>& w,
                      std::vector<float>& out) {
  const int cg = is.c / l.groups;
  const int64_t plane = int64_t(is.h) * is.w, n = cg * plane;
  for (int g = 0; g < l.groups; ++g) {
    const float* x = in.data() + g * n;
    double mean = 0, var = 0;
    for (int64_t i = 0; i < n; ++i) mean += x[i];
    mean /= double(n);
    for (int64_t i = 0; i < n; ++i) var += (x[i] - mean) * (x[i] - mean);
    const double inv = 1.0 / std::sqrt(var / double(n) + l.norm.eps);
    for (int c = g * cg; c < (g + 1) * cg; ++c)
      for (int64_t i = 0; i < plane; ++i) {
        const int64_t k = c * plane + i;
        out[size_t(k)] = float(w[size_t(c)] * (in[size_t(k)] - mean) * inv + w[size_t(is.c + c)]);
      }
  }
}

}  // namespace

std::vector<float> FloatNetwork::run_layer(int li, const FloatActivations& a) const {
  const Layer& l = net_.layers[size_t(li)];
  auto tensor = [&](int p) -> const std::vector<float>& { return p < 0 ? a.input : a.layers[size_t(p)]; };
  const std::vector<float>& in = tensor(l.inputs[0]);
  const Shape is = input_shape_of(net_, l.inputs[0]);
  const Shape os = l.out_shape;
  std::vector<float> out(size_t(os.size()), 0.0f);
  switch (l.type) {
    case LayerType::Conv2d:
      float_conv2d(kernels_, l, is, os, in.data(), weight_[size_t(li)].data(), bias_[size_t(li)].data(), out.data());
      break;
    case LayerType::Linear:
      float_linear(kernels_, l.out_channels, is.size(), in.data(), weight_[size_t(li)].data(), bias_[size_t(li)].data(),
                   out.data());
      break;
    case LayerType::Relu:
      for (size_t i = 0; i < out.size(); ++i) out[i] = std::max(in[i], 0.0f);
      break;
    case LayerType::MaxPool2d:
    case LayerType::AvgPool2d:
      float_pool(l, is, os, in, out);
      break;
    case LayerType::Flatten:
      out = in;
      break;
    case LayerType::GroupNorm:
      float_group_norm(l, is, in, weight_[size_t(li)], out);
      break;
    case LayerType::Add:
      for (int p : l.inputs) {
        const std::vector<float>& t = tensor(p);
        for (size_t i = 0; i < out.size(); ++i) out[i] += t[i];
      }
      break;
  }
  return out;
}

FloatActivations float_inference(const Network& net, const uint8_t* pixels) {
  return FloatNetwork(net).run(pixels);
}

}  // namespace lvsim
