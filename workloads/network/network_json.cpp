#include "workloads/network/network_json.h"

#include "common/input_file.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>

#include "common/errors.h"
#include "common/json_reader.h"
#include "common/output_file.h"
#include "workloads/network/network_finalize.h"
#include "workloads/network/quantization.h"
#include "workloads/network/tensor_codec.h"

namespace lvsim {

namespace {

constexpr int64_t kMaxChannels = int64_t(1) << 20;
constexpr int64_t kMaxExtent = 1 << 16;  // image height/width, kernel, stride, padding
constexpr double kMaxDouble = std::numeric_limits<double>::max();

const std::vector<std::string> kLayerTypes = {"conv2d",    "linear",  "batchnorm2d", "relu",     "maxpool2d",
                                              "avgpool2d", "flatten", "add",         "groupnorm"};
// A groupnorm group holds at most this many codes (keeps its integer sums in range,
// docs/quantization.md).
constexpr int64_t kMaxGroupNormCodes = int64_t(1) << 22;

std::string shape_text(const std::vector<int64_t>& s) {
  std::string t = "[";
  for (size_t i = 0; i < s.size(); ++i) t += (i ? ", " : "") + std::to_string(s[i]);
  return t + "]";
}

std::string shape_text(const Shape& s) {
  return std::to_string(s.c) + "x" + std::to_string(s.h) + "x" + std::to_string(s.w);
}

// Decoded-integer range of an m-bit pattern: the valid codes and weight zero points.
void code_range(int bits, WeightStorage storage, int64_t& lo, int64_t& hi) {
  if (storage == WeightStorage::Unsigned) {
    lo = 0;
    hi = (int64_t(1) << bits) - 1;
  } else {
    lo = -(int64_t(1) << (bits - 1));
    hi = (int64_t(1) << (bits - 1)) - 1;
  }
}

ActivationQuant read_activation_quant(JsonObject o) {
  ActivationQuant q;
  q.scale = o.get_double("scale", 0.0, kMaxDouble);
  if (!(q.scale > 0)) o.fail("scale", "must be > 0");
  q.zero_point = int32_t(o.get_int("zero_point", 0, 255));
  o.finish();
  return q;
}

WeightQuantScheme read_scheme(JsonObject o) {
  WeightQuantScheme s;
  s.bits = int(o.get_int("bits", 2, 8));
  s.per_channel = o.get_enum("granularity", {"per_tensor", "per_channel"}, "per_tensor") == "per_channel";
  s.symmetric = o.get_enum("symmetry", {"asymmetric", "symmetric"}, "asymmetric") == "symmetric";
  s.storage = o.get_enum("storage", {"unsigned", "twos_complement"}, "unsigned") == "unsigned"
                  ? WeightStorage::Unsigned
                  : WeightStorage::TwosComplement;
  s.rounding = o.get_enum("rounding", {"round", "truncate"}, "round") == "round";
  if (o.has("clip")) {
    s.clip = o.get_double("clip", 0.0, kMaxDouble);
    if (!(s.clip > 0)) o.fail("clip", "must be > 0");
  }
  o.finish();
  return s;
}

// Turns a parsed document into a Network; one instance per import.
class Importer {
 public:
  Importer(const nlohmann::json& doc, std::string file, const Base64Payloads* payloads)
      : doc_(doc), file_(std::move(file)), payloads_(payloads) {}

  Network run() {
    JsonObject top(doc_, file_, "");
    if (top.get_string("format") != "lvsim-network") top.fail("format", "expected \"lvsim-network\"");
    {
      const auto& v = top.at("version");
      if (!v.is_number_integer() || v.get<int64_t>() != 1)
        top.fail("version", "unsupported version " + v.dump() + " (this lvsim reads version 1)");
    }
    net_.source_file = file_;
    net_.name = top.get_string("name", std::filesystem::path(file_).stem().string());
    read_input(top.get_object("input"));
    if (top.has("weight_quantization")) top_scheme_ = read_scheme(top.get_object("weight_quantization"));

    const auto& layers = top.at("layers");
    if (!layers.is_array() || layers.empty()) top.fail("layers", "expected a non-empty array of layers");
    for (size_t i = 0; i < layers.size(); ++i) read_layer(layers[i], i);
    quantize_pending();

    if (top.has("output")) {
      const auto name = top.get_string("output");
      net_.output = resolve(top, "output", name);
      if (net_.output < 0) top.fail("output", "the output must be a layer, not the network input");
    } else {
      net_.output = int(net_.layers.size()) - 1;
    }
    top.finish();
    return std::move(net_);
  }

 private:
  // Float weights of a layer, quantized only after all layers are read (a batchnorm2d may rescale them).
  struct PendingWeights {
    std::vector<double> values;
    WeightQuantScheme scheme;
    std::string field;
  };

  void read_input(JsonObject o) {
    const auto s = o.get_int_array("shape", 3, 1, kMaxExtent);
    if (s[0] > kMaxChannels) o.fail("shape[0]", "too many channels");
    net_.input_shape = Shape{int(s[0]), int(s[1]), int(s[2])};
    const size_t c = size_t(s[0]);
    auto& p = net_.preprocess;
    p.mean.assign(c, 0.0);
    p.std.assign(c, 1.0);
    if (o.has("preprocess")) {
      JsonObject pp = o.get_object("preprocess");
      p.pixel_scale = pp.get_double("pixel_scale", 0.0, kMaxDouble, p.pixel_scale);
      if (!(p.pixel_scale > 0)) pp.fail("pixel_scale", "must be > 0");
      if (pp.has("mean")) {
        p.mean = pp.get_double_array("mean", -kMaxDouble, kMaxDouble);
        if (p.mean.size() != c) pp.fail("mean", "expected one value per input channel (" + std::to_string(c) + ")");
      }
      if (pp.has("std")) {
        p.std = pp.get_double_array("std", -kMaxDouble, kMaxDouble);
        if (p.std.size() != c) pp.fail("std", "expected one value per input channel (" + std::to_string(c) + ")");
        for (size_t i = 0; i < c; ++i)
          if (!(p.std[i] > 0)) pp.fail("std[" + std::to_string(i) + "]", "must be > 0");
      }
      pp.finish();
    }
    if (o.has("quant")) {
      net_.input_quant = read_activation_quant(o.get_object("quant"));
      net_.input_quant_given = true;
    }
    o.finish();
  }

  // Index of the layer called `name` (-1: the network input), which must already be defined.
  int resolve(const JsonObject& o, const std::string& key, const std::string& name) const {
    if (name == "input") return -1;
    if (folded_.count(name))
      o.fail(key, "layer \"" + name + "\" is folded with the batchnorm2d \"" + folded_.at(name) +
                      "\" that follows it; refer to the batchnorm2d");
    auto it = index_of_.find(name);
    if (it == index_of_.end())
      o.fail(key, "no earlier layer named \"" + name + "\" (layers may only refer to earlier layers)");
    return it->second;
  }

  const Shape& shape_of(int index) const { return index < 0 ? net_.input_shape : net_.layers[size_t(index)].out_shape; }

  int read_single_input(JsonObject& o) {
    const auto& v = o.at("input");
    if (!v.is_string()) o.fail("input", "expected the name of a layer or \"input\"");
    return resolve(o, "input", v.get<std::string>());
  }

  std::optional<ActivationQuant> read_output_quant(JsonObject& o) {
    if (!o.has("output_quant")) return std::nullopt;
    return read_activation_quant(o.get_object("output_quant"));
  }

  // Output extent of a sliding window; fails when the window does not fit the padded input.
  static int window_out(JsonObject& o, const std::string& key, int in, int64_t k, int64_t s, int64_t p) {
    if (in + 2 * p < k)
      o.fail(key, "kernel " + std::to_string(k) + " is larger than the padded input (" + std::to_string(in) +
                      " + 2 x " + std::to_string(p) + ")");
    return int((in + 2 * p - k) / s + 1);
  }

  void read_window(JsonObject& o, Layer& l, bool stride_defaults_to_kernel, bool padding_allowed) {
    const auto k = o.get_int_array("kernel", 2, 1, kMaxExtent);
    const std::vector<int64_t> one = {1, 1}, zero = {0, 0};
    const auto s =
        o.has("stride") ? o.get_int_array("stride", 2, 1, kMaxExtent) : (stride_defaults_to_kernel ? k : one);
    const auto p = padding_allowed && o.has("padding") ? o.get_int_array("padding", 2, 0, kMaxExtent) : zero;
    l.kernel_h = int(k[0]), l.kernel_w = int(k[1]);
    l.stride_h = int(s[0]), l.stride_w = int(s[1]);
    l.pad_h = int(p[0]), l.pad_w = int(p[1]);
  }

  void set_window_output(JsonObject& o, Layer& l, int channels) {
    l.out_shape = Shape{channels, window_out(o, "kernel", l.in_shape.h, l.kernel_h, l.stride_h, l.pad_h),
                        window_out(o, "kernel", l.in_shape.w, l.kernel_w, l.stride_w, l.pad_w)};
  }

  // The "quantized" object of a weight-like tensor of `shape` ([rows, ...]) into `wt`. Zero points
  // lie in the code range, or with `int32_zero_point` (groupnorm parameters, whose asymmetric range
  // need not contain 0) anywhere in the int32 range.
  void read_quantized(JsonObject& q, WeightTensor& wt, const std::vector<int64_t>& shape, bool int32_zero_point) {
    const int64_t out = shape[0];
    int64_t count = 1;
    for (int64_t s : shape) count *= s;
    wt.bits = int(q.get_int("bits", 2, 8));
    wt.storage = q.get_enum("storage", {"unsigned", "twos_complement"}) == "unsigned" ? WeightStorage::Unsigned
                                                                                      : WeightStorage::TwosComplement;
    wt.per_channel = q.get_enum("granularity", {"per_tensor", "per_channel"}) == "per_channel";
    wt.out_channels = out;
    wt.per_out = count / out;
    const size_t groups = wt.per_channel ? size_t(out) : 1;
    const std::string n_text =
        wt.per_channel ? std::to_string(out) + " (per_channel: one per output channel)" : "1 (per_tensor)";
    auto scale = q.get_double_array("scale", -kMaxDouble, kMaxDouble);
    if (scale.size() != groups) q.fail("scale", "expected " + n_text + " values, got " + std::to_string(scale.size()));
    for (size_t i = 0; i < scale.size(); ++i)
      if (!(scale[i] > 0)) q.fail("scale[" + std::to_string(i) + "]", "must be > 0");
    int64_t lo, hi;
    code_range(wt.bits, wt.storage, lo, hi);
    const auto zp = int32_zero_point ? q.get_int_array("zero_point", groups, std::numeric_limits<int32_t>::min(),
                                                       std::numeric_limits<int32_t>::max())
                                     : q.get_int_array("zero_point", groups, lo, hi);
    wt.scale.resize(size_t(out));
    wt.zero_point.resize(size_t(out));
    for (size_t o2 = 0; o2 < size_t(out); ++o2) {
      wt.scale[o2] = scale[wt.per_channel ? o2 : 0];
      wt.zero_point[o2] = int32_t(zp[wt.per_channel ? o2 : 0]);
    }
    Tensor codes = read_tensor(q.at("codes"), file_, q.field("codes"), payloads_);
    if (codes.is_float()) q.fail("codes.dtype", "codes need an integer dtype (int8, uint8, int16, int32)");
    if (codes.shape != shape)
      q.fail("codes.shape", shape_text(codes.shape) + " does not match the layer's weight shape " + shape_text(shape));
    const uint8_t mask = uint8_t((1u << wt.bits) - 1);
    wt.stored.resize(codes.ints.size());
    int32_t cmin = std::numeric_limits<int32_t>::max(), cmax = std::numeric_limits<int32_t>::min();
    for (size_t i = 0; i < codes.ints.size(); ++i) {
      const int32_t c = codes.ints[i];
      cmin = std::min(cmin, c);
      cmax = std::max(cmax, c);
      wt.stored[i] = uint8_t(c) & mask;
    }
    if (cmin < lo || cmax > hi) {
      size_t bad = 0;
      while (codes.ints[bad] >= lo && codes.ints[bad] <= hi) ++bad;
      q.fail("codes", "element " + std::to_string(bad) + " = " + std::to_string(codes.ints[bad]) + " is outside " +
                          std::to_string(lo) + ".." + std::to_string(hi) + " (" + std::to_string(wt.bits) + "-bit " +
                          (wt.storage == WeightStorage::Unsigned ? "unsigned" : "twos_complement") + ")");
    }
    q.finish();
  }

  // Reads `weight` of a conv2d/linear layer whose weights have `shape` ([out, per-out dims..]).
  void read_weight(JsonObject& o, Layer& l, int index, const std::vector<int64_t>& shape) {
    JsonObject w = o.get_object("weight");
    const bool is_float = w.has("float"), is_quant = w.has("quantized");
    if (is_float == is_quant) o.fail("weight", "expected exactly one of \"float\" and \"quantized\"");
    const int64_t out = shape[0];
    int64_t count = 1;
    for (int64_t s : shape) count *= s;
    std::optional<WeightQuantScheme> scheme;
    if (o.has("weight_quantization")) {
      if (is_quant) o.fail("weight_quantization", "only allowed with float weights");
      scheme = read_scheme(o.get_object("weight_quantization"));
    }
    if (is_float) {
      Tensor t = read_tensor(w.at("float"), file_, w.field("float"), payloads_);
      if (!t.is_float()) w.fail("float.dtype", "float weights need dtype float32 or float64");
      if (t.shape != shape)
        w.fail("float.shape", shape_text(t.shape) + " does not match the layer's weight shape " + shape_text(shape));
      if (!scheme) scheme = top_scheme_;
      if (!scheme) w.fail("float", "float weights need a weight_quantization (on the layer or at the top level)");
      pending_[index] = PendingWeights{std::move(t.reals), *scheme, w.field("float")};
      l.weight.out_channels = out;
      l.weight.per_out = count / out;
    } else {
      JsonObject q = w.get_object("quantized");
      read_quantized(q, l.weight, shape, false);
    }
    w.finish();
  }

  // One groupnorm parameter (`gamma` or `beta`): C values, float (quantized here, as one tensor with
  // its own range) or quantized (per_tensor). Returned as a one-row WeightTensor.
  WeightTensor read_norm_param(JsonObject& o, const std::string& key, int64_t channels,
                               const std::optional<WeightQuantScheme>& scheme) {
    JsonObject w = o.get_object(key);
    const bool is_float = w.has("float"), is_quant = w.has("quantized");
    if (is_float == is_quant) o.fail(key, "expected exactly one of \"float\" and \"quantized\"");
    const std::vector<int64_t> shape = {channels};
    WeightTensor t;
    if (is_float) {
      Tensor v = read_tensor(w.at("float"), file_, w.field("float"), payloads_);
      if (!v.is_float()) w.fail("float.dtype", "float parameters need dtype float32 or float64");
      if (v.shape != shape)
        w.fail("float.shape",
               shape_text(v.shape) + " does not match the input's " + std::to_string(channels) + " channels");
      if (!scheme) w.fail("float", "float parameters need a weight_quantization (on the layer or at the top level)");
      WeightQuantScheme s = *scheme;
      s.per_channel = false;  // one range per parameter tensor
      if (!s.symmetric) {
        // The integer zero point is about mid / half * 2^(m-1): keep it far inside int32.
        double lo = std::numeric_limits<double>::infinity(), hi = -lo;
        for (double x : v.reals) {
          const double c = s.clip > 0 ? std::clamp(x, -s.clip, s.clip) : x;
          lo = std::min(lo, c), hi = std::max(hi, c);
        }
        const double mid = (hi + lo) / 2, half = (hi - lo) / 2;
        if (half > 0 && std::fabs(mid) > half * 1048576.0)
          w.fail("float", "the range [" + std::to_string(lo) + ", " + std::to_string(hi) +
                              "] is too narrow for its distance from 0 (the asymmetric zero point would leave the "
                              "int32 range); use symmetric quantization");
      }
      t = quantize_weights(v.reals, 1, s);
    } else {
      JsonObject q = w.get_object("quantized");
      if (q.has("granularity") && q.at("granularity") != "per_tensor")
        q.fail("granularity", "groupnorm parameters are quantized per_tensor");
      read_quantized(q, t, shape, true);
    }
    w.finish();
    return t;
  }

  void read_groupnorm(JsonObject& o, Layer& l) {
    const Shape in = shape_of(l.inputs[0]);
    l.in_shape = l.out_shape = in;
    l.out_channels = in.c;
    l.groups = int(o.get_int("groups", 1, kMaxChannels));
    if (in.c % l.groups != 0)
      o.fail("groups", std::to_string(l.groups) + " does not divide the " + std::to_string(in.c) + " input channels");
    const int64_t n = in.size() / l.groups;
    if (n > kMaxGroupNormCodes)
      o.fail("groups",
             "a group of the " + shape_text(in) + " input holds " + std::to_string(n) + " codes, more than 2^22");
    l.norm.eps = o.get_double("eps", 0.0, kMaxDouble);
    if (!(l.norm.eps > 0)) o.fail("eps", "must be > 0");
    l.norm.gamma_offset = o.get_double("gamma_offset", -kMaxDouble, kMaxDouble, 0.0);
    std::optional<WeightQuantScheme> scheme = top_scheme_;
    const bool any_float =
        (o.has("gamma") && o.get_object("gamma").has("float")) || (o.has("beta") && o.get_object("beta").has("float"));
    if (o.has("weight_quantization")) {
      if (!any_float) o.fail("weight_quantization", "only allowed with float parameters");
      scheme = read_scheme(o.get_object("weight_quantization"));
    }
    const WeightTensor gamma = read_norm_param(o, "gamma", in.c, scheme);
    const WeightTensor beta = read_norm_param(o, "beta", in.c, scheme);
    if (beta.bits != gamma.bits || beta.storage != gamma.storage)
      o.fail("beta", "gamma and beta need the same bits and storage (one weight tensor of two rows)");
    WeightTensor& w = l.weight;
    w.bits = gamma.bits;
    w.storage = gamma.storage;
    w.per_channel = true;
    w.out_channels = 2;
    w.per_out = in.c;
    w.stored = gamma.stored;
    w.stored.insert(w.stored.end(), beta.stored.begin(), beta.stored.end());
    w.scale = {gamma.scale[0], beta.scale[0]};
    w.zero_point = {gamma.zero_point[0], beta.zero_point[0]};
    if (auto q = read_output_quant(o)) l.out_quant = *q, l.out_quant_given = true;
  }

  void read_bias(JsonObject& o, Layer& l) {
    if (!o.has("bias")) {
      l.bias.assign(size_t(l.out_channels), 0);
      return;
    }
    Tensor t = read_tensor(o.at("bias"), file_, o.field("bias"), payloads_);
    const std::vector<int64_t> want = {l.out_channels};
    if (t.shape != want) o.fail("bias.shape", shape_text(t.shape) + " does not match " + shape_text(want));
    if (t.is_float())
      l.bias_real = std::move(t.reals);
    else if (t.dtype == DType::Int32)
      l.bias = std::move(t.ints);
    else
      o.fail("bias.dtype", "a bias is float32, float64 (real) or int32 (quantized)");
  }

  void read_conv(JsonObject& o, Layer& l, int index) {
    const Shape in = shape_of(l.inputs[0]);
    l.in_shape = in;
    l.out_channels = int(o.get_int("out_channels", 1, kMaxChannels));
    read_window(o, l, false, true);
    l.groups = int(o.get_int("groups", 1, kMaxChannels, 1));
    if (in.c % l.groups != 0)
      o.fail("groups", std::to_string(l.groups) + " does not divide the " + std::to_string(in.c) + " input channels");
    if (l.out_channels % l.groups != 0)
      o.fail("groups", std::to_string(l.groups) + " does not divide out_channels " + std::to_string(l.out_channels));
    set_window_output(o, l, l.out_channels);
    read_weight(o, l, index, {l.out_channels, in.c / l.groups, l.kernel_h, l.kernel_w});
    read_bias(o, l);
  }

  void read_linear(JsonObject& o, Layer& l, int index) {
    const Shape in = shape_of(l.inputs[0]);
    if (in.size() > std::numeric_limits<int32_t>::max()) o.fail("input", "input too large for a linear layer");
    l.in_shape = Shape{int(in.size()), 1, 1};  // read flattened in C, H, W order
    l.out_channels = int(o.get_int("out_features", 1, kMaxChannels));
    l.out_shape = Shape{l.out_channels, 1, 1};
    read_weight(o, l, index, {l.out_channels, in.size()});
    read_bias(o, l);
  }

  // Folds a batchnorm2d into the conv2d it follows (float weights only).
  void fold_batchnorm(JsonObject& o, const std::string& name, size_t file_index) {
    const auto& v = o.at("input");
    if (!v.is_string()) o.fail("input", "expected the name of the conv2d it follows");
    const std::string src = v.get<std::string>();
    const int conv = resolve(o, "input", src);
    if (conv < 0 || file_index == 0 || prev_file_type_ != "conv2d" || prev_file_index_ != conv)
      o.fail("input", "a batchnorm2d must directly follow the conv2d it reads");
    Layer& l = net_.layers[size_t(conv)];
    auto pw = pending_.find(conv);
    if (pw == pending_.end()) o.fail("input", "a batchnorm2d can only be folded into a conv2d with float weights");
    if (conv_had_int_bias_) o.fail("input", "a batchnorm2d cannot be folded into a conv2d with an int32 bias");
    if (l.out_quant_given)
      o.fail("input", "conv2d \"" + src +
                          "\" has an output_quant, but its output is normalised by this batchnorm2d: "
                          "give the output_quant on the batchnorm2d");
    const size_t c = size_t(l.out_channels);
    auto channel_tensor = [&](const char* key) {
      Tensor t = read_tensor(o.at(key), file_, o.field(key), payloads_);
      if (!t.is_float()) o.fail(std::string(key) + ".dtype", "expected float32 or float64");
      if (t.shape != std::vector<int64_t>{int64_t(c)})
        o.fail(std::string(key) + ".shape",
               shape_text(t.shape) + " does not match the conv2d's " + std::to_string(c) + " output channels");
      return std::move(t.reals);
    };
    const auto mean = channel_tensor("mean"), var = channel_tensor("var"), gamma = channel_tensor("gamma"),
               beta = channel_tensor("beta");
    const double eps = o.get_double("eps", 0.0, kMaxDouble);
    for (size_t i = 0; i < c; ++i)
      if (!(var[i] + eps > 0)) o.fail("var", "var[" + std::to_string(i) + "] + eps must be > 0");
    if (auto q = read_output_quant(o)) {
      l.out_quant = *q;
      l.out_quant_given = true;
    }
    if (l.bias_real.empty()) l.bias_real.assign(c, 0.0);
    auto& w = pw->second.values;
    const size_t per_out = w.size() / c;
    for (size_t ch = 0; ch < c; ++ch) {
      const double f = gamma[ch] / std::sqrt(var[ch] + eps);
      for (size_t i = 0; i < per_out; ++i) w[ch * per_out + i] *= f;
      l.bias_real[ch] = (l.bias_real[ch] - mean[ch]) * f + beta[ch];
    }
    l.bias.clear();
    folded_[src] = name;
    index_of_[name] = conv;
  }

  void read_layer(const nlohmann::json& j, size_t i) {
    JsonObject o(j, file_, "layers[" + std::to_string(i) + "]");
    const std::string name = o.get_string("name");
    if (name.empty() || name == "input") o.fail("name", "a layer name must be non-empty and not \"input\"");
    if (names_.count(name)) o.fail("name", "duplicate layer name \"" + name + "\"");
    names_.insert(name);
    const std::string type = o.get_enum("type", kLayerTypes);
    if (type == "batchnorm2d") {
      fold_batchnorm(o, name, i);
      o.finish();
      prev_file_type_ = type;
      return;
    }
    const int index = int(net_.layers.size());
    Layer l;
    l.name = name;
    conv_had_int_bias_ = false;
    if (type == "add") {
      l.type = LayerType::Add;
      const auto& v = o.at("input");
      if (!v.is_array() || v.size() < 2) o.fail("input", "an add layer takes an array of two or more layer names");
      for (size_t k = 0; k < v.size(); ++k) {
        const std::string key = "input[" + std::to_string(k) + "]";
        if (!v[k].is_string()) o.fail(key, "expected a layer name");
        l.inputs.push_back(resolve(o, key, v[k].get<std::string>()));
        if (!(shape_of(l.inputs[k]) == shape_of(l.inputs[0])))
          o.fail(key, "shape " + shape_text(shape_of(l.inputs[k])) + " differs from input[0]'s " +
                          shape_text(shape_of(l.inputs[0])));
      }
      l.in_shape = l.out_shape = shape_of(l.inputs[0]);
      if (auto q = read_output_quant(o)) l.out_quant = *q, l.out_quant_given = true;
    } else {
      l.inputs.push_back(read_single_input(o));
      const Shape in = shape_of(l.inputs[0]);
      if (type == "conv2d") {
        l.type = LayerType::Conv2d;
        read_conv(o, l, index);
        conv_had_int_bias_ = o.has("bias") && l.bias_real.empty();
      } else if (type == "linear") {
        l.type = LayerType::Linear;
        read_linear(o, l, index);
      } else if (type == "relu") {
        l.type = LayerType::Relu;
        l.in_shape = l.out_shape = in;
      } else if (type == "groupnorm") {
        l.type = LayerType::GroupNorm;
        read_groupnorm(o, l);
      } else if (type == "flatten") {
        l.type = LayerType::Flatten;
        l.in_shape = in;
        l.out_shape = Shape{int(in.size()), 1, 1};
      } else if (type == "maxpool2d") {
        l.type = LayerType::MaxPool2d;
        l.in_shape = in;
        read_window(o, l, true, true);
        if (2 * l.pad_h > l.kernel_h || 2 * l.pad_w > l.kernel_w) o.fail("padding", "must be at most half the kernel");
        set_window_output(o, l, in.c);
      } else {  // avgpool2d
        l.type = LayerType::AvgPool2d;
        l.in_shape = in;
        if (o.get_bool("global", false)) {
          if (o.has("kernel") || o.has("stride")) o.fail("global", "a global avgpool2d takes no kernel or stride");
          l.kernel_h = l.stride_h = in.h;
          l.kernel_w = l.stride_w = in.w;
          l.out_shape = Shape{in.c, 1, 1};
        } else {
          read_window(o, l, true, false);
          set_window_output(o, l, in.c);
        }
      }
      if (l.has_weights()) {
        if (auto q = read_output_quant(o)) l.out_quant = *q, l.out_quant_given = true;
      }
    }
    o.finish();
    index_of_[name] = index;
    net_.layers.push_back(std::move(l));
    prev_file_type_ = type;
    prev_file_index_ = index;
  }

  void quantize_pending() {
    for (auto& [index, p] : pending_) {
      Layer& l = net_.layers[size_t(index)];
      for (size_t i = 0; i < p.values.size(); ++i)
        if (!std::isfinite(p.values[i]))
          throw ConfigError(
              located(file_, p.field, "element " + std::to_string(i) + " is not finite after batchnorm folding"));
      l.weight = quantize_weights(p.values, l.out_channels, p.scheme);
      int64_t lo, hi;
      code_range(p.scheme.bits, p.scheme.storage, lo, hi);
      for (int64_t o = 0; o < l.weight.out_channels; ++o)
        if (l.weight.zero_point[size_t(o)] < lo || l.weight.zero_point[size_t(o)] > hi)
          throw ConfigError(
              located(file_, p.field,
                      "the weight range of " +
                          std::string(p.scheme.per_channel ? "output channel " + std::to_string(o) : "the tensor") +
                          " does not contain 0, so its zero point " + std::to_string(l.weight.zero_point[size_t(o)]) +
                          " falls outside the code range; use symmetric quantization"));
    }
  }

  const nlohmann::json& doc_;
  std::string file_;
  const Base64Payloads* payloads_;
  Network net_;
  std::optional<WeightQuantScheme> top_scheme_;
  std::map<std::string, int> index_of_;        // layer names (batchnorm2d: of the conv it was folded into)
  std::map<std::string, std::string> folded_;  // conv2d name -> the batchnorm2d folded into it
  std::set<std::string> names_;
  std::map<int, PendingWeights> pending_;
  std::string prev_file_type_;
  int prev_file_index_ = -2;
  bool conv_had_int_bias_ = false;
};

nlohmann::json quant_json(const ActivationQuant& q) {
  return {{"scale", q.scale}, {"zero_point", q.zero_point}};
}

nlohmann::json weight_json(const Layer& l) {
  const auto& w = l.weight;
  nlohmann::json q;
  q["bits"] = w.bits;
  q["storage"] = w.storage == WeightStorage::Unsigned ? "unsigned" : "twos_complement";
  q["granularity"] = w.per_channel ? "per_channel" : "per_tensor";
  const size_t n = w.per_channel ? w.scale.size() : 1;
  q["scale"] = std::vector<double>(w.scale.begin(), w.scale.begin() + long(n));
  q["zero_point"] = std::vector<int32_t>(w.zero_point.begin(), w.zero_point.begin() + long(n));
  std::vector<int32_t> codes(w.stored.size());
  for (size_t i = 0; i < codes.size(); ++i) codes[i] = w.decode(w.stored[i]);
  std::vector<int64_t> shape;
  if (l.type == LayerType::Conv2d)
    shape = {l.out_channels, l.in_shape.c / l.groups, l.kernel_h, l.kernel_w};
  else
    shape = {l.out_channels, l.in_shape.size()};
  q["codes"] = int_tensor_json(w.storage == WeightStorage::Unsigned ? DType::UInt8 : DType::Int8, shape, codes, true);
  return {{"quantized", q}};
}

// Row `row` of a groupnorm's parameter tensor (0: gamma, 1: beta) as a per-tensor "quantized" object.
nlohmann::json norm_param_json(const Layer& l, int row) {
  const auto& w = l.weight;
  nlohmann::json q;
  q["bits"] = w.bits;
  q["storage"] = w.storage == WeightStorage::Unsigned ? "unsigned" : "twos_complement";
  q["granularity"] = "per_tensor";
  q["scale"] = {w.scale[size_t(row)]};
  q["zero_point"] = {w.zero_point[size_t(row)]};
  std::vector<int32_t> codes(size_t(w.per_out));
  for (size_t i = 0; i < codes.size(); ++i) codes[i] = w.decode(w.stored[size_t(row * w.per_out) + i]);
  q["codes"] =
      int_tensor_json(w.storage == WeightStorage::Unsigned ? DType::UInt8 : DType::Int8, {w.per_out}, codes, false);
  return {{"quantized", q}};
}

}  // namespace

Network import_network(const nlohmann::json& doc, const std::string& origin) {
  Network net = Importer(doc, origin, nullptr).run();
  if (!needs_calibration(net)) finalize_network(net);
  return net;
}

Network load_network_json(const std::string& path) {
  std::string text = read_input_file(path, kMaxModelFileBytes);
  Base64Payloads payloads;
  const nlohmann::json doc = parse_json_extracting_base64(std::move(text), path, payloads);
  Network net = Importer(doc, path, &payloads).run();
  if (!needs_calibration(net)) finalize_network(net);
  return net;
}

nlohmann::json export_network(const Network& net) {
  if (net.preprocess.multiplier.size() != size_t(net.input_shape.c))
    throw std::logic_error("export_network: network \"" + net.name + "\" is not finalized");
  auto ref = [&](int i) { return i < 0 ? std::string("input") : net.layers[size_t(i)].name; };
  nlohmann::json doc;
  doc["format"] = "lvsim-network";
  doc["version"] = 1;
  doc["name"] = net.name;
  const auto& in = net.input_shape;
  doc["input"] = {
      {"shape", {in.c, in.h, in.w}},
      {"preprocess",
       {{"pixel_scale", net.preprocess.pixel_scale}, {"mean", net.preprocess.mean}, {"std", net.preprocess.std}}},
      {"quant", quant_json(net.input_quant)}};
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& l : net.layers) {
    nlohmann::json j;
    j["name"] = l.name;
    j["type"] = layer_type_name(l.type);
    if (l.type == LayerType::Add) {
      nlohmann::json ins = nlohmann::json::array();
      for (int i : l.inputs) ins.push_back(ref(i));
      j["input"] = ins;
      j["output_quant"] = quant_json(l.out_quant);
    } else {
      j["input"] = ref(l.inputs.at(0));
    }
    if (l.has_weights()) {
      if (l.requant.size() != size_t(l.out_channels))
        throw std::logic_error("export_network: layer \"" + l.name + "\" is not finalized");
      if (l.type == LayerType::Conv2d) {
        j["out_channels"] = l.out_channels;
        j["kernel"] = {l.kernel_h, l.kernel_w};
        j["stride"] = {l.stride_h, l.stride_w};
        j["padding"] = {l.pad_h, l.pad_w};
        j["groups"] = l.groups;
      } else {
        j["out_features"] = l.out_channels;
      }
      j["weight"] = weight_json(l);
      j["bias"] = int_tensor_json(DType::Int32, {l.out_channels}, l.bias, false);
      j["output_quant"] = quant_json(l.out_quant);
    } else if (l.type == LayerType::GroupNorm) {
      j["groups"] = l.groups;
      j["eps"] = l.norm.eps;
      j["gamma_offset"] = l.norm.gamma_offset;
      j["gamma"] = norm_param_json(l, 0);
      j["beta"] = norm_param_json(l, 1);
      j["output_quant"] = quant_json(l.out_quant);
    } else if (l.type == LayerType::MaxPool2d) {
      j["kernel"] = {l.kernel_h, l.kernel_w};
      j["stride"] = {l.stride_h, l.stride_w};
      j["padding"] = {l.pad_h, l.pad_w};
    } else if (l.type == LayerType::AvgPool2d) {
      j["kernel"] = {l.kernel_h, l.kernel_w};
      j["stride"] = {l.stride_h, l.stride_w};
    }
    layers.push_back(std::move(j));
  }
  doc["layers"] = std::move(layers);
  doc["output"] = net.layers.at(size_t(net.output)).name;
  return doc;
}

void save_network(const Network& net, const std::string& path) {
  write_file_atomically(path, export_network(net).dump(1) + "\n");
}

}  // namespace lvsim
