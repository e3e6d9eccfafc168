#include "workloads/import/onnx_import.h"

#include "common/input_file.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <variant>

#include "common/errors.h"
#include "common/json_reader.h"
#include "workloads/network/network_json.h"
#include "workloads/network/tensor_codec.h"

namespace lvsim {

namespace {

// Opsets whose semantics of the supported operators this importer follows (up to opset 21: the
// changes of opsets 18-21 to the supported operators are checked where they matter: Pad's `axes`
// input, QuantizeLinear/DequantizeLinear's `block_size`, AveragePool's `dilations`).
constexpr int64_t kMinOpset = 9, kMaxOpset = 21;

const char* kSupportedOps =
    "Conv, Gemm, MatMul(+Add), Relu, MaxPool, AveragePool, GlobalAveragePool, Flatten, Reshape (to 2-D), Add, "
    "BatchNormalization, GroupNormalization, PyTorch's GroupNorm pattern (Reshape, InstanceNormalization, Reshape, "
    "Mul, Add), Shape, Unsqueeze (of constants), Identity, Dropout, Pad (zero), Constant, QuantizeLinear, "
    "DequantizeLinear";

/// A constant tensor (initializer or Constant node), values widened to double / int64.
struct Constant {
  std::vector<int64_t> dims;
  int32_t type = 0;  // onnx::TensorProto::DataType
  std::vector<double> reals;
  std::vector<int64_t> ints;
  bool is_float() const { return !reals.empty() || ints.empty(); }
  int64_t count() const { return is_float() ? int64_t(reals.size()) : int64_t(ints.size()); }
};

/// DequantizeLinear of a constant: integer codes with scales and zero points along `axis`.
struct QuantConstant {
  Constant codes;
  std::vector<double> scale;
  std::vector<int64_t> zero_point;
  int64_t axis = 1;  // normalized to 0..rank-1; meaningful when scale has more than one value
  std::vector<double> dequantized() const {
    std::vector<double> r(codes.ints.size());
    const int64_t inner = inner_count(), n = int64_t(scale.size());
    for (size_t i = 0; i < r.size(); ++i) {
      const size_t g = n == 1 ? 0 : size_t((int64_t(i) / inner) % n);
      r[i] = scale[g] * double(codes.ints[i] - zero_point[g]);
    }
    return r;
  }
  int64_t inner_count() const {  // elements after `axis` in row-major order
    int64_t k = 1;
    for (size_t d = size_t(axis) + 1; d < codes.dims.size(); ++d) k *= codes.dims[d];
    return k;
  }
};

/// A tensor computed per image: the output of an lvsim layer (or "input").
struct Activation {
  std::string layer;
  Shape shape;
};

/// QuantizeLinear of an activation, waiting for its DequantizeLinear.
struct QuantizedActivation {
  Activation act;
  ActivationQuant quant;
  std::string node;
};

/// PyTorch's decomposed GroupNorm, part way through: Reshape to [N, G, -1] (Grouped), then
/// InstanceNormalization with scale 1 and bias 0 (Normalized), Reshape back to [N, C, H, W]
/// (Restored), Mul by gamma (Scaled); the Add of beta completes it into one groupnorm layer.
struct GroupNormPattern {
  enum class Stage { Grouped, Normalized, Restored, Scaled };
  Activation act;  // the groupnorm's input
  int64_t groups = 1;
  double eps = 0;
  Stage stage = Stage::Grouped;
  std::vector<double> gamma;  // per channel (Scaled)
};

using Value = std::variant<Activation, Constant, QuantConstant, QuantizedActivation, GroupNormPattern>;

std::string lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Reads an ONNX TensorProto into a Constant; `where` names it in messages.
Constant decode_tensor(const onnx::TensorProto& t, const std::string& file, const std::string& where) {
  auto fail = [&](const std::string& what) { throw ConfigError(located(file, where, what)); };
  if (t.data_location() == onnx::TensorProto::EXTERNAL)
    fail("external tensor data is not supported (save the model with its weights inside the .onnx file)");
  Constant c;
  c.type = t.data_type();
  constexpr int64_t kMaxElements = int64_t(1) << 34;
  int64_t n = 1;
  for (int64_t d : t.dims()) {
    if (d < 0 || d > kMaxElements) fail("invalid dimension " + std::to_string(d));
    c.dims.push_back(d);
    // Checked before multiplying: several dimensions of up to 2^34 overflow int64 (found by fuzz_onnx).
    if (d != 0 && n > kMaxElements / d) fail("tensor too large");
    n *= d;
  }
  const std::string& raw = t.raw_data();
  auto from_raw = [&](auto zero, auto& out) {
    using T = decltype(zero);
    if (raw.size() != size_t(n) * sizeof(T))
      fail("raw_data holds " + std::to_string(raw.size()) + " bytes, the dims need " +
           std::to_string(size_t(n) * sizeof(T)));
    for (int64_t i = 0; i < n; ++i) {
      T v;
      std::memcpy(&v, raw.data() + size_t(i) * sizeof(T), sizeof(T));
      out.push_back(v);
    }
  };
  auto from_field = [&](const auto& field, auto& out) {
    if (field.size() != n)
      fail("holds " + std::to_string(field.size()) + " values, the dims need " + std::to_string(n));
    for (auto v : field) out.push_back(v);
  };
  const bool has_raw = t.has_raw_data();
  switch (t.data_type()) {
    case onnx::TensorProto::FLOAT:
      has_raw ? from_raw(float(0), c.reals) : from_field(t.float_data(), c.reals);
      break;
    case onnx::TensorProto::DOUBLE:
      has_raw ? from_raw(double(0), c.reals) : from_field(t.double_data(), c.reals);
      break;
    case onnx::TensorProto::INT8:
      has_raw ? from_raw(int8_t(0), c.ints) : from_field(t.int32_data(), c.ints);
      break;
    case onnx::TensorProto::UINT8:
      has_raw ? from_raw(uint8_t(0), c.ints) : from_field(t.int32_data(), c.ints);
      break;
    case onnx::TensorProto::INT32:
      has_raw ? from_raw(int32_t(0), c.ints) : from_field(t.int32_data(), c.ints);
      break;
    case onnx::TensorProto::INT64:
      has_raw ? from_raw(int64_t(0), c.ints) : from_field(t.int64_data(), c.ints);
      break;
    default:
      fail("data type " + std::to_string(t.data_type()) +
           " is not supported (float, double, int8, uint8, int32, int64)");
  }
  for (size_t i = 0; i < c.reals.size(); ++i)
    if (!std::isfinite(c.reals[i])) fail("element " + std::to_string(i) + " is not finite");
  return c;
}

nlohmann::json scheme_json(const WeightQuantScheme& s) {
  nlohmann::json j = {{"bits", s.bits},
                      {"granularity", s.per_channel ? "per_channel" : "per_tensor"},
                      {"symmetry", s.symmetric ? "symmetric" : "asymmetric"},
                      {"storage", s.storage == WeightStorage::Unsigned ? "unsigned" : "twos_complement"},
                      {"rounding", s.rounding ? "round" : "truncate"}};
  if (s.clip > 0) j["clip"] = s.clip;
  return j;
}

// Rows and columns of a 2-D tensor swapped (ONNX's [in, out] to lvsim's [out, in]).
template <typename T>
std::vector<T> transposed(const std::vector<T>& v, int64_t rows, int64_t cols) {
  std::vector<T> t(v.size());
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) t[size_t(c * rows + r)] = v[size_t(r * cols + c)];
  return t;
}

bool same_quant(const ActivationQuant& a, const ActivationQuant& b) {
  return a.zero_point == b.zero_point && std::abs(a.scale - b.scale) <= 1e-6 * std::max(a.scale, b.scale);
}

// Translates one ModelProto; one instance per import.
class OnnxTranslator {
 public:
  OnnxTranslator(const onnx::ModelProto& model, std::string file, const OnnxImportOptions& options)
      : model_(model), file_(std::move(file)), options_(options) {}

  nlohmann::json run() {
    check_opset();
    const auto& g = model_.graph();
    for (const auto& init : g.initializer())
      values_[init.name()] = decode_tensor(init, file_, "initializer \"" + init.name() + "\"");
    read_input();
    check_unique_outputs();
    for (const auto& node : g.node())
      for (const auto& in : node.input()) ++consumers_[in];
    for (const auto& out : g.output()) ++consumers_[out.name()];
    for (int i = 0; i < g.node_size(); ++i) translate(g.node(i), i);
    assign_activation_quants();
    return document();
  }

 private:
  [[noreturn]] void fail(const std::string& field, const std::string& what) const {
    throw ConfigError(located(file_, field, what));
  }
  [[noreturn]] void fail_node(const onnx::NodeProto& n, const std::string& what) const {
    fail("node \"" + n.name() + "\" (" + n.op_type() + ")", what);
  }

  // Every tensor is produced once (ONNX's single-assignment rule): with two producers of one name,
  // which one a later node reads would depend on the order of translation.
  void check_unique_outputs() const {
    std::set<std::string> seen;
    for (const auto& init : model_.graph().initializer()) seen.insert(init.name());
    for (const auto& n : model_.graph().node())
      for (const auto& out : n.output())
        if (!out.empty() && !seen.insert(out).second)
          fail_node(n, "output \"" + out + "\" is already produced by another node or an initializer");
  }

  void check_opset() {
    int64_t& opset = opset_;
    for (const auto& o : model_.opset_import())
      if (o.domain().empty() || o.domain() == "ai.onnx") opset = o.version();
    if (opset < 0) fail("opset_import", "no opset of the default ONNX domain");
    if (opset < kMinOpset || opset > kMaxOpset)
      fail("opset_import", "opset " + std::to_string(opset) + " is not supported (lvsim reads opsets " +
                               std::to_string(kMinOpset) + ".." + std::to_string(kMaxOpset) + ")");
    if (!model_.has_graph() || model_.graph().node_size() == 0) fail("graph", "the model has no nodes");
  }

  // The one graph input that is not an initializer: float, [N, C, H, W] or [N, F] with fixed C, H, W / F.
  void read_input() {
    const onnx::ValueInfoProto* input = nullptr;
    for (const auto& in : model_.graph().input()) {
      if (values_.count(in.name())) continue;  // an initializer listed as input (older exporters)
      if (input)
        fail("graph.input", "the model has more than one input (\"" + input->name() + "\", \"" + in.name() + "\")");
      input = &in;
    }
    if (!input) fail("graph.input", "the model has no input");
    const std::string field = "input \"" + input->name() + "\"";
    if (!input->type().has_tensor_type()) fail(field, "not a tensor");
    const auto& tt = input->type().tensor_type();
    if (tt.elem_type() != onnx::TensorProto::FLOAT) fail(field, "element type must be float");
    const auto& dims = tt.shape().dim();
    if (dims.size() != 4 && dims.size() != 2) fail(field, "expected shape [N, C, H, W] or [N, F]");
    std::vector<int> chw;
    for (int d = 1; d < dims.size(); ++d) {
      if (!dims[d].has_dim_value())
        fail(field, "dimension " + std::to_string(d) + " is dynamic" +
                        (dims[d].has_dim_param() ? " (\"" + dims[d].dim_param() + "\")" : std::string()) +
                        "; lvsim needs fixed C, H, W (export with a fixed input shape)");
      if (dims[d].dim_value() < 1 || dims[d].dim_value() > 65536)
        fail(field,
             "dimension " + std::to_string(d) + " is " + std::to_string(dims[d].dim_value()) + ", outside [1, 65536]");
      chw.push_back(int(dims[d].dim_value()));
    }
    input_shape_ = chw.size() == 3 ? Shape{chw[0], chw[1], chw[2]} : Shape{chw[0], 1, 1};
    values_[input->name()] = Activation{"input", input_shape_};
  }

  // ---- values -------------------------------------------------------------------------------

  const Value& value(const onnx::NodeProto& n, int i) const {
    if (i >= n.input_size() || n.input(i).empty()) fail_node(n, "input " + std::to_string(i) + " is missing");
    auto it = values_.find(n.input(i));
    if (it == values_.end()) fail_node(n, "input \"" + n.input(i) + "\" is not defined by an earlier node");
    return it->second;
  }
  bool has_input(const onnx::NodeProto& n, int i) const { return i < n.input_size() && !n.input(i).empty(); }

  const Activation& activation(const onnx::NodeProto& n, int i) const {
    const Value& v = value(n, i);
    if (const auto* a = std::get_if<Activation>(&v)) return *a;
    if (std::holds_alternative<QuantizedActivation>(v))
      fail_node(n, "reads the output of a QuantizeLinear directly; lvsim needs a QuantizeLinear/DequantizeLinear pair");
    if (std::holds_alternative<GroupNormPattern>(v))
      fail_node(n,
                "reads a GroupNorm pattern (Reshape, InstanceNormalization, Reshape, Mul, Add) before its end; "
                "lvsim imports the whole pattern as one groupnorm");
    fail_node(n, "input \"" + n.input(i) + "\" must be computed from the model input, not a constant");
  }

  const Constant& constant(const onnx::NodeProto& n, int i) const {
    const Value& v = value(n, i);
    if (const auto* c = std::get_if<Constant>(&v)) return *c;
    fail_node(n, "input \"" + n.input(i) + "\" must be a constant (initializer)");
  }

  // A scalar or per-axis constant of a QuantizeLinear / DequantizeLinear.
  std::vector<double> reals_of(const onnx::NodeProto& n, int i) const {
    const Constant& c = constant(n, i);
    if (!c.is_float()) fail_node(n, "input \"" + n.input(i) + "\" must be float");
    return c.reals;
  }

  void define(const onnx::NodeProto& n, int out, Value v) {
    if (out < n.output_size() && !n.output(out).empty()) values_[n.output(out)] = std::move(v);
  }

  // ---- attributes ---------------------------------------------------------------------------

  static const onnx::AttributeProto* attr(const onnx::NodeProto& n, const std::string& name) {
    for (const auto& a : n.attribute())
      if (a.name() == name) return &a;
    return nullptr;
  }
  static int64_t attr_int(const onnx::NodeProto& n, const std::string& name, int64_t fallback) {
    const auto* a = attr(n, name);
    return a ? a->i() : fallback;
  }
  static double attr_float(const onnx::NodeProto& n, const std::string& name, double fallback) {
    const auto* a = attr(n, name);
    return a ? a->f() : fallback;
  }
  static std::vector<int64_t> attr_ints(const onnx::NodeProto& n, const std::string& name,
                                        std::vector<int64_t> fallback) {
    const auto* a = attr(n, name);
    return a ? std::vector<int64_t>(a->ints().begin(), a->ints().end()) : fallback;
  }

  // Kernel, strides and symmetric pads of a 2-D window (Conv, MaxPool, AveragePool).
  struct Window {
    int64_t kh, kw, sh, sw, ph, pw;
  };
  Window window(const onnx::NodeProto& n, std::vector<int64_t> kernel) const {
    if (attr(n, "kernel_shape")) kernel = attr_ints(n, "kernel_shape", {});
    if (kernel.size() != 2) fail_node(n, "only 2-D windows are supported");
    const auto* pad_mode = attr(n, "auto_pad");
    if (pad_mode && pad_mode->s() != "NOTSET" && pad_mode->s() != "VALID")
      fail_node(n, "auto_pad " + pad_mode->s() + " is not supported (export with explicit pads)");
    const auto strides = attr_ints(n, "strides", {1, 1});
    const auto pads = attr_ints(n, "pads", {0, 0, 0, 0});
    const auto dil = attr_ints(n, "dilations", {1, 1});
    if (strides.size() != 2 || pads.size() != 4 || dil.size() != 2) fail_node(n, "strides/pads/dilations must be 2-D");
    if (dil[0] != 1 || dil[1] != 1) fail_node(n, "dilation other than 1 is not supported");
    if (pads[0] != pads[2] || pads[1] != pads[3])
      fail_node(n, "asymmetric pads [" + std::to_string(pads[0]) + ", " + std::to_string(pads[1]) + ", " +
                       std::to_string(pads[2]) + ", " + std::to_string(pads[3]) + "] are not supported");
    if (attr_int(n, "ceil_mode", 0) != 0) fail_node(n, "ceil_mode 1 is not supported");
    for (int64_t v : {kernel[0], kernel[1], strides[0], strides[1]})
      if (v < 1) fail_node(n, "kernel and strides must be >= 1");
    if (pads[0] < 0 || pads[1] < 0) fail_node(n, "pads must be >= 0");
    return Window{kernel[0], kernel[1], strides[0], strides[1], pads[0], pads[1]};
  }

  Shape window_output(const onnx::NodeProto& n, const Shape& in, const Window& w, int channels) const {
    if (in.h + 2 * w.ph < w.kh || in.w + 2 * w.pw < w.kw)
      fail_node(n, "kernel " + std::to_string(w.kh) + "x" + std::to_string(w.kw) + " is larger than the padded input");
    return Shape{channels, int((in.h + 2 * w.ph - w.kh) / w.sh + 1), int((in.w + 2 * w.pw - w.kw) / w.sw + 1)};
  }

  // ---- layers -------------------------------------------------------------------------------

  std::string layer_name(const onnx::NodeProto& n, int index) {
    std::string name = n.name();
    if (name.empty() || name == "input" || names_.count(name)) name = lower(n.op_type()) + "_" + std::to_string(index);
    while (names_.count(name)) name += "_";
    names_.insert(name);
    return name;
  }

  // Appends a layer and defines the node's first output as its activation.
  void emit(const onnx::NodeProto& n, nlohmann::json layer, const Shape& out) {
    const std::string name = layer["name"];
    layer_of_[name] = layers_.size();
    layers_.push_back(std::move(layer));
    define(n, 0, Activation{name, out});
  }

  nlohmann::json base_layer(const onnx::NodeProto& n, int index, const char* type, const Activation& in) {
    return {{"name", layer_name(n, index)}, {"type", type}, {"input", in.layer}};
  }

  // The `weight` object of a conv2d/linear from a float or DequantizeLinear'd constant; `lvsim_shape`
  // is [out, ...]; `transpose` turns ONNX's [in, out] into [out, in]; `out_axis`: the ONNX axis of
  // the output channels (per-channel scales must lie along it).
  nlohmann::json weight_json(const onnx::NodeProto& n, int i, const std::vector<int64_t>& lvsim_shape, bool transpose,
                             int64_t out_axis, double factor) const {
    const Value& v = value(n, i);
    const int64_t rows = transpose ? lvsim_shape[1] : 0, cols = transpose ? lvsim_shape[0] : 0;
    if (const auto* c = std::get_if<Constant>(&v)) {
      if (!c->is_float()) fail_node(n, "weights \"" + n.input(i) + "\" are integers without a DequantizeLinear");
      std::vector<double> w = transpose ? transposed(c->reals, rows, cols) : c->reals;
      for (double& x : w) x *= factor;
      return {{"float", float_tensor_json(c->type == onnx::TensorProto::DOUBLE ? DType::Float64 : DType::Float32,
                                          lvsim_shape, w, true)}};
    }
    const auto* q = std::get_if<QuantConstant>(&v);
    if (!q) fail_node(n, "weights \"" + n.input(i) + "\" must be a constant or a DequantizeLinear of one");
    if (factor != 1.0) fail_node(n, "alpha other than 1 does not fit quantized (QDQ) weights");
    const int t = q->codes.type;
    if (t != onnx::TensorProto::INT8 && t != onnx::TensorProto::UINT8)
      fail_node(
          n, "quantized weights \"" + n.input(i) + "\" must be int8 or uint8 (lvsim stores weights of at most 8 bits)");
    const bool per_channel = q->scale.size() > 1;
    if (per_channel && q->axis != out_axis)
      fail_node(n, "per-channel weight scales along axis " + std::to_string(q->axis) +
                       " do not fit lvsim: they must be per output channel (axis " + std::to_string(out_axis) + ")");
    std::vector<int32_t> codes(q->codes.ints.begin(), q->codes.ints.end());
    if (transpose) codes = transposed(codes, rows, cols);
    const bool is_signed = t == onnx::TensorProto::INT8;
    nlohmann::json quantized = {
        {"bits", 8},
        {"storage", is_signed ? "twos_complement" : "unsigned"},
        {"granularity", per_channel ? "per_channel" : "per_tensor"},
        {"scale", q->scale},
        {"zero_point", q->zero_point},
        {"codes", int_tensor_json(is_signed ? DType::Int8 : DType::UInt8, lvsim_shape, codes, true)}};
    return {{"quantized", quantized}};
  }

  // A float bias (a float constant, or the dequantized values of a DequantizeLinear'd one).
  nlohmann::json bias_json(const onnx::NodeProto& n, int i, int64_t out, double factor) const {
    const Value& v = value(n, i);
    std::vector<double> b;
    if (const auto* c = std::get_if<Constant>(&v); c && c->is_float())
      b = c->reals;
    else if (const auto* q = std::get_if<QuantConstant>(&v))
      b = q->dequantized();
    else
      fail_node(n, "bias \"" + n.input(i) + "\" must be a float constant or a DequantizeLinear of one");
    if (int64_t(b.size()) != out)
      fail_node(n, "bias has " + std::to_string(b.size()) + " values, expected " + std::to_string(out));
    for (double& x : b) x *= factor;
    return float_tensor_json(DType::Float64, {out}, b, true);
  }

  std::vector<int64_t> weight_dims(const onnx::NodeProto& n, int i) const {
    const Value& v = value(n, i);
    if (const auto* c = std::get_if<Constant>(&v)) return c->dims;
    if (const auto* q = std::get_if<QuantConstant>(&v)) return q->codes.dims;
    fail_node(n, "weights \"" + n.input(i) + "\" must be a constant or a DequantizeLinear of one");
  }

  void conv(const onnx::NodeProto& n, int index) {
    const Activation& x = activation(n, 0);
    const auto wd = weight_dims(n, 1);
    if (wd.size() != 4) fail_node(n, "only 2-D convolutions are supported (weights of rank 4)");
    const int64_t groups = attr_int(n, "group", 1);
    if (groups < 1 || wd[1] * groups != x.shape.c)
      fail_node(n, "weights " + std::to_string(wd[1]) + " channels x group " + std::to_string(groups) +
                       " do not match the input's " + std::to_string(x.shape.c) + " channels");
    const Window w = window(n, {wd[2], wd[3]});
    if (w.kh != wd[2] || w.kw != wd[3]) fail_node(n, "kernel_shape differs from the weights' shape");
    auto l = base_layer(n, index, "conv2d", x);
    l["out_channels"] = wd[0];
    l["kernel"] = {w.kh, w.kw};
    l["stride"] = {w.sh, w.sw};
    l["padding"] = {w.ph, w.pw};
    l["groups"] = groups;
    l["weight"] = weight_json(n, 1, wd, false, 0, 1.0);
    if (has_input(n, 2)) l["bias"] = bias_json(n, 2, wd[0], 1.0);
    emit(n, std::move(l), window_output(n, x.shape, w, int(wd[0])));
  }

  // Gemm (Y = alpha * A * B' + beta * C) and MatMul (Y = A * B) with a constant B -> linear.
  void linear(const onnx::NodeProto& n, int index, bool gemm) {
    const Activation& x = activation(n, 0);
    const auto wd = weight_dims(n, 1);
    if (wd.size() != 2) fail_node(n, "the weights must be a 2-D constant");
    if (gemm && attr_int(n, "transA", 0) != 0) fail_node(n, "transA = 1 is not supported");
    const bool trans_b = gemm && attr_int(n, "transB", 0) != 0;  // B is [out, in] (PyTorch) when set
    const int64_t in = trans_b ? wd[1] : wd[0], out = trans_b ? wd[0] : wd[1];
    if (in != x.shape.size())
      fail_node(n, "weights expect " + std::to_string(in) + " input features, the input has " +
                       std::to_string(x.shape.size()));
    const double alpha = gemm ? attr_float(n, "alpha", 1.0) : 1.0, beta = gemm ? attr_float(n, "beta", 1.0) : 1.0;
    auto l = base_layer(n, index, "linear", x);
    l["out_features"] = out;
    l["weight"] = weight_json(n, 1, {out, in}, !trans_b, trans_b ? 0 : 1, alpha);
    if (gemm && has_input(n, 2)) l["bias"] = bias_json(n, 2, out, beta);
    if (!gemm) matmul_without_bias_.insert(l["name"].get<std::string>());
    emit(n, std::move(l), Shape{int(out), 1, 1});
  }

  // Add of two activations -> add layer; activation + constant -> the bias of the MatMul before it.
  void add(const onnx::NodeProto& n, int index) {
    if (n.input_size() != 2) fail_node(n, "expected two inputs");
    for (int i = 0; i < 2; ++i)
      if (const auto* p = std::get_if<GroupNormPattern>(&value(n, i))) {
        if (p->stage != GroupNormPattern::Stage::Scaled)
          fail_node(n, "expected the Mul by gamma before the Add of beta");
        emit_group_norm(n, index, *p, p->gamma, per_channel_constant(n, 1 - i, p->act.shape.c, "beta"));
        return;
      }
    const bool c0 = !std::holds_alternative<Activation>(value(n, 0)),
               c1 = !std::holds_alternative<Activation>(value(n, 1));
    if (!c0 && !c1) {
      const Activation &a = activation(n, 0), &b = activation(n, 1);
      if (!(a.shape == b.shape)) fail_node(n, "inputs of different shapes (broadcasting is not supported)");
      auto l = base_layer(n, index, "add", a);
      l["input"] = {a.layer, b.layer};
      emit(n, std::move(l), a.shape);
      return;
    }
    const int act = c0 ? 1 : 0;
    const Activation& x = activation(n, act);
    const std::string tensor = n.input(act);
    if (!matmul_without_bias_.count(x.layer) || consumers_[tensor] != 1)
      fail_node(n, "adding a constant is supported only as the bias of the MatMul that computes its other input");
    nlohmann::json& l = layers_[layer_of_.at(x.layer)];
    l["bias"] = bias_json(n, 1 - act, l["out_features"].get<int64_t>(), 1.0);
    matmul_without_bias_.erase(x.layer);
    define(n, 0, x);
  }

  void batch_norm(const onnx::NodeProto& n, int index) {
    const Activation& x = activation(n, 0);
    if (attr_int(n, "training_mode", 0) != 0) fail_node(n, "training_mode is not supported (export in eval mode)");
    for (int o = 1; o < n.output_size(); ++o)
      if (!n.output(o).empty() && consumers_[n.output(o)]) fail_node(n, "running statistics outputs are not supported");
    if (layers_.empty() || layers_.back()["name"] != x.layer || layers_.back()["type"] != "conv2d" ||
        consumers_[n.input(0)] != 1)
      fail_node(n, "a BatchNormalization must directly follow the Conv it normalises, as that Conv's only reader");
    auto l = base_layer(n, index, "batchnorm2d", x);
    const char* keys[] = {"gamma", "beta", "mean", "var"};
    for (int i = 0; i < 4; ++i) {
      const Constant& c = constant(n, i + 1);
      if (!c.is_float() || c.count() != x.shape.c)
        fail_node(n, std::string(keys[i]) + " must hold " + std::to_string(x.shape.c) + " float values");
      l[keys[i]] = float_tensor_json(DType::Float64, {x.shape.c}, c.reals, true);
    }
    l["eps"] = attr_float(n, "epsilon", 1e-5);
    emit(n, std::move(l), x.shape);
  }

  void pool(const onnx::NodeProto& n, int index, bool max) {
    const Activation& x = activation(n, 0);
    if (attr_int(n, "storage_order", 0) != 0) fail_node(n, "storage_order 1 is not supported");
    if (max && n.output_size() > 1 && !n.output(1).empty() && consumers_[n.output(1)])
      fail_node(n, "the Indices output is not supported");
    const Window w = window(n, {});
    auto l = base_layer(n, index, max ? "maxpool2d" : "avgpool2d", x);
    l["kernel"] = {w.kh, w.kw};
    l["stride"] = {w.sh, w.sw};
    if (max)
      l["padding"] = {w.ph, w.pw};
    else if (w.ph || w.pw)
      fail_node(n, "a padded AveragePool does not fit lvsim's avgpool2d (no padding)");
    emit(n, std::move(l), window_output(n, x.shape, w, x.shape.c));
  }

  // Flatten (axis 1) and Reshape to [N, C*H*W] -> flatten.
  void flatten(const onnx::NodeProto& n, int index, bool reshape) {
    const Activation& x = activation(n, 0);
    if (!reshape && attr_int(n, "axis", 1) != 1) fail_node(n, "only axis = 1 (keep the batch dimension) is supported");
    if (reshape) {
      const Constant& s = constant(n, 1);
      const int64_t size = x.shape.size();
      const bool ok = s.ints.size() == 2 && (s.ints[0] == 1 || s.ints[0] == 0 || s.ints[0] == -1) &&
                      (s.ints[1] == size || (s.ints[1] == -1 && s.ints[0] != -1));
      if (!ok) fail_node(n, "only a reshape to [N, " + std::to_string(size) + "] (a flatten) is supported");
    }
    emit(n, base_layer(n, index, "flatten", x), Shape{int(x.shape.size()), 1, 1});
  }

  void simple(const onnx::NodeProto& n, int index, const char* type) {
    const Activation& x = activation(n, 0);
    auto l = base_layer(n, index, type, x);
    Shape out = x.shape;
    if (std::string(type) == "avgpool2d") {
      l["global"] = true;
      out = Shape{x.shape.c, 1, 1};
    }
    emit(n, std::move(l), out);
  }

  void constant_node(const onnx::NodeProto& n) {
    if (const auto* a = attr(n, "value"); a && a->has_t()) {
      define(n, 0, decode_tensor(a->t(), file_, "node \"" + n.name() + "\" (Constant)"));
    } else if (const auto* ints = attr(n, "value_ints")) {
      Constant c;
      c.type = onnx::TensorProto::INT64;
      c.ints.assign(ints->ints().begin(), ints->ints().end());
      c.dims = {int64_t(c.ints.size())};
      define(n, 0, c);
    } else {
      fail_node(n, "only Constant nodes with a tensor `value` or `value_ints` are supported");
    }
  }

  // Scale and zero point inputs (1, 2) of a QuantizeLinear/DequantizeLinear; zero point type = code type.
  void quant_params(const onnx::NodeProto& n, std::vector<double>& scale, std::vector<int64_t>& zp, int& type) const {
    if (attr_int(n, "block_size", 0) != 0) fail_node(n, "blocked quantization (block_size, opset 21) is not supported");
    scale = reals_of(n, 1);
    for (double s : scale)
      if (!(s > 0)) fail_node(n, "scales must be > 0");
    type = onnx::TensorProto::UINT8;
    zp.assign(scale.size(), 0);
    if (has_input(n, 2)) {
      const Constant& z = constant(n, 2);
      if (z.is_float() || z.ints.size() != scale.size()) fail_node(n, "zero point must match the scale's size");
      zp = z.ints;
      type = z.type;
    }
  }

  int64_t quant_axis(const onnx::NodeProto& n, size_t rank) const {
    int64_t axis = attr_int(n, "axis", 1);
    if (axis < 0) axis += int64_t(rank);
    return axis;
  }

  void quantize_linear(const onnx::NodeProto& n) {
    std::vector<double> scale;
    std::vector<int64_t> zp;
    int type;
    quant_params(n, scale, zp, type);
    if (type != onnx::TensorProto::UINT8 && type != onnx::TensorProto::INT8)
      fail_node(n, "only int8 and uint8 quantization fits lvsim");
    const Value& v = value(n, 0);
    if (const auto* a = std::get_if<Activation>(&v)) {
      if (scale.size() != 1)
        fail_node(n, "per-channel activation quantization does not fit lvsim (one scale per activation tensor)");
      // int8 codes c with zero point z are the uint8 codes c + 128 with zero point z + 128.
      const int64_t z = zp[0] + (type == onnx::TensorProto::INT8 ? 128 : 0);
      define(n, 0, QuantizedActivation{*a, ActivationQuant{scale[0], int32_t(z)}, n.name()});
      return;
    }
    // QuantizeLinear of a float constant: the codes ONNX would compute (round half to even, saturate).
    const Constant& w = constant(n, 0);
    if (!w.is_float()) fail_node(n, "input must be float");
    QuantConstant q{Constant{w.dims, type, {}, {}}, scale, zp, quant_axis(n, w.dims.size())};
    const int64_t lo = type == onnx::TensorProto::INT8 ? -128 : 0, hi = lo + 255;
    const int64_t inner = q.inner_count(), groups = int64_t(scale.size());
    for (size_t i = 0; i < w.reals.size(); ++i) {
      const size_t g = groups == 1 ? 0 : size_t((int64_t(i) / inner) % groups);
      const int64_t c = int64_t(std::nearbyint(w.reals[i] / scale[g])) + zp[g];
      q.codes.ints.push_back(std::clamp(c, lo, hi));
    }
    define(n, 0, q);
  }

  void dequantize_linear(const onnx::NodeProto& n) {
    std::vector<double> scale;
    std::vector<int64_t> zp;
    int type;
    const Value& v = value(n, 0);
    if (const auto* qa = std::get_if<QuantizedActivation>(&v)) {
      quant_params(n, scale, zp, type);
      const int64_t z = zp[0] + (type == onnx::TensorProto::INT8 ? 128 : 0);
      if (scale.size() != 1 || !same_quant(ActivationQuant{scale[0], int32_t(z)}, qa->quant))
        fail_node(n, "scale/zero point differ from those of its QuantizeLinear \"" + qa->node + "\"");
      record_quant(n, qa->act.layer, qa->quant);
      define(n, 0, qa->act);
      return;
    }
    if (const auto* q = std::get_if<QuantConstant>(&v)) {  // Q -> DQ of a constant: the codes as quantized
      define(n, 0, *q);
      return;
    }
    const Constant& c = constant(n, 0);
    if (c.is_float()) fail_node(n, "input must be integer codes");
    quant_params(n, scale, zp, type);
    QuantConstant q{c, scale, zp, quant_axis(n, c.dims.size())};
    if (scale.size() > 1 &&
        (q.axis < 0 || q.axis >= int64_t(c.dims.size()) || c.dims[size_t(q.axis)] != int64_t(scale.size())))
      fail_node(n, "per-axis scales do not match the dimension of axis " + std::to_string(q.axis));
    define(n, 0, q);
  }

  // ---- group normalization ------------------------------------------------------------------

  // A float constant of C values (shape [C], [C, 1, 1], [1, C, 1, 1]) or one value broadcast.
  std::vector<double> per_channel_constant(const onnx::NodeProto& n, int i, int64_t channels, const char* what) const {
    const Constant& c = constant(n, i);
    if (!c.is_float()) fail_node(n, std::string(what) + " must be a float constant");
    if (c.count() == 1) return std::vector<double>(size_t(channels), c.reals[0]);
    int64_t non_unit = 0;
    for (int64_t d : c.dims) non_unit += d != 1;
    const bool channel_axis = c.dims.size() == 4 ? c.dims[1] == channels : !c.dims.empty() && c.dims[0] == channels;
    if (c.count() != channels || non_unit != 1 || !channel_axis)
      fail_node(n, std::string(what) + " must hold one value per channel (" + std::to_string(channels) +
                       ", shape [C], [C, 1, 1] or [1, C, 1, 1])");
    return c.reals;
  }

  void emit_group_norm(const onnx::NodeProto& n, int index, const GroupNormPattern& p, const std::vector<double>& gamma,
                       const std::vector<double>& beta) {
    auto l = base_layer(n, index, "groupnorm", p.act);
    l["groups"] = p.groups;
    l["eps"] = p.eps;
    l["gamma"] = {{"float", float_tensor_json(DType::Float64, {p.act.shape.c}, gamma, false)}};
    l["beta"] = {{"float", float_tensor_json(DType::Float64, {p.act.shape.c}, beta, false)}};
    emit(n, std::move(l), p.act.shape);
  }

  double group_norm_eps(const onnx::NodeProto& n) const {
    const double eps = attr_float(n, "epsilon", double(1e-5f));  // ONNX's default: the float 1e-5
    if (!(eps > 0)) fail_node(n, "epsilon must be > 0");
    return eps;
  }

  // GroupNormalization (opset 18: scale and bias per group [G], expanded to the group's channels;
  // opset 21: per channel [C]).
  void group_normalization(const onnx::NodeProto& n, int index) {
    const Activation& x = activation(n, 0);
    const int64_t groups = attr_int(n, "num_groups", 0), C = x.shape.c;
    if (groups < 1 || C % groups != 0)
      fail_node(n, "num_groups " + std::to_string(groups) + " does not divide the " + std::to_string(C) + " channels");
    const int64_t per_param = opset_ >= 21 ? C : groups;
    auto param = [&](int i, const char* what) {
      const Constant& c = constant(n, i);
      if (!c.is_float() || c.count() != per_param)
        fail_node(n, std::string(what) + " must hold " + std::to_string(per_param) + " float values (" +
                         (opset_ >= 21 ? "per channel, opset 21" : "per group, opsets 18-20") + ")");
      std::vector<double> v(static_cast<size_t>(C));
      for (int64_t ch = 0; ch < C; ++ch) v[size_t(ch)] = c.reals[size_t(opset_ >= 21 ? ch : ch / (C / groups))];
      return v;
    };
    GroupNormPattern p{x, groups, group_norm_eps(n), GroupNormPattern::Stage::Scaled, {}};
    emit_group_norm(n, index, p, param(1, "scale"), param(2, "bias"));
  }

  // Reshape inside PyTorch's GroupNorm pattern: [N, C, H, W] -> [N, G, -1], and back.
  bool group_norm_reshape(const onnx::NodeProto& n) {
    const Value& v = value(n, 0);
    const Constant& s = constant(n, 1);
    if (const auto* p = std::get_if<GroupNormPattern>(&v)) {
      const Shape& in = p->act.shape;
      const bool back = p->stage == GroupNormPattern::Stage::Normalized && s.ints.size() == 4 &&
                        (s.ints[0] == 0 || s.ints[0] == 1 || s.ints[0] == -1) && s.ints[1] == in.c &&
                        s.ints[2] == in.h && s.ints[3] == in.w;
      if (!back) fail_node(n, "inside a GroupNorm pattern, expected the Reshape back to the input's shape");
      GroupNormPattern r = *p;
      r.stage = GroupNormPattern::Stage::Restored;
      define(n, 0, r);
      return true;
    }
    const auto* a = std::get_if<Activation>(&v);
    if (!a || s.ints.size() != 3 || s.ints[1] < 1 || a->shape.c % s.ints[1] != 0 || a->shape.h * a->shape.w == 1 ||
        !(s.ints[0] == 0 || s.ints[0] == 1) || !(s.ints[2] == -1 || s.ints[2] == a->shape.size() / s.ints[1]))
      return false;
    define(n, 0, GroupNormPattern{*a, s.ints[1], 0.0, GroupNormPattern::Stage::Grouped, {}});
    return true;
  }

  void instance_normalization(const onnx::NodeProto& n) {
    const auto* p = std::get_if<GroupNormPattern>(&value(n, 0));
    if (!p || p->stage != GroupNormPattern::Stage::Grouped)
      fail_node(n, "supported only inside PyTorch's GroupNorm pattern (after a Reshape to [N, G, -1])");
    for (int i = 1; i <= 2; ++i) {
      const Constant& c = constant(n, i);
      const double want = i == 1 ? 1.0 : 0.0;
      if (!c.is_float() || c.count() != p->groups ||
          std::any_of(c.reals.begin(), c.reals.end(), [&](double x) { return x != want; }))
        fail_node(n, std::string(i == 1 ? "scale" : "bias") + " must be " + std::to_string(p->groups) + " values of " +
                         (i == 1 ? "1" : "0") + " (the affine part follows as Mul and Add)");
    }
    GroupNormPattern r = *p;
    r.eps = group_norm_eps(n);
    r.stage = GroupNormPattern::Stage::Normalized;
    define(n, 0, r);
  }

  void mul(const onnx::NodeProto& n) {
    if (n.input_size() != 2) fail_node(n, "expected two inputs");
    for (int i = 0; i < 2; ++i)
      if (const auto* p = std::get_if<GroupNormPattern>(&value(n, i))) {
        if (p->stage != GroupNormPattern::Stage::Restored)
          fail_node(n, "inside a GroupNorm pattern, expected the Mul by gamma after the Reshape back");
        GroupNormPattern r = *p;
        r.gamma = per_channel_constant(n, 1 - i, p->act.shape.c, "gamma");
        r.stage = GroupNormPattern::Stage::Scaled;
        define(n, 0, r);
        return;
      }
    fail_node(n, "Mul is supported only as the scale of PyTorch's GroupNorm pattern");
  }

  // Shape of an activation: the constant [1, C, H, W] (the batch of one lvsim runs).
  void shape_node(const onnx::NodeProto& n) {
    const Activation& x = activation(n, 0);
    Constant c;
    c.type = onnx::TensorProto::INT64;
    c.ints = {1, x.shape.c, x.shape.h, x.shape.w};
    c.dims = {4};
    define(n, 0, c);
  }

  // Unsqueeze of a constant (axes as attribute, opsets < 13, or as input): the same values.
  void unsqueeze(const onnx::NodeProto& n) {
    Constant c = constant(n, 0);
    std::vector<int64_t> axes = attr_ints(n, "axes", {});
    if (has_input(n, 1)) axes = constant(n, 1).ints;
    std::vector<int64_t> dims = c.dims;
    const int64_t rank = int64_t(dims.size() + axes.size());
    std::vector<int64_t> sorted;
    for (int64_t a : axes) sorted.push_back(a < 0 ? a + rank : a);
    std::sort(sorted.begin(), sorted.end());
    for (int64_t a : sorted) {
      if (a < 0 || a > int64_t(dims.size())) fail_node(n, "axis out of range");
      dims.insert(dims.begin() + a, 1);
    }
    c.dims = dims;
    define(n, 0, c);
  }

  // PyTorch writes AvgPool2d as Pad (all zero) + AveragePool: a zero Pad is the identity.
  void pad(const onnx::NodeProto& n) {
    std::vector<int64_t> pads = attr_ints(n, "pads", {});
    if (has_input(n, 1)) pads = constant(n, 1).ints;
    if (has_input(n, 3)) fail_node(n, "the axes input (opset 18) is not supported");
    if (std::any_of(pads.begin(), pads.end(), [](int64_t p) { return p != 0; }))
      fail_node(n, "only a Pad of zero width is supported (pad inside the Conv or MaxPool instead)");
    define(n, 0, activation(n, 0));
  }

  void alias(const onnx::NodeProto& n) {
    for (int o = 1; o < n.output_size(); ++o)
      if (!n.output(o).empty() && consumers_[n.output(o)]) fail_node(n, "only the first output may be used");
    define(n, 0, Value(value(n, 0)));
  }

  void translate(const onnx::NodeProto& n, int index) {
    const std::string& op = n.op_type();
    if (!n.domain().empty() && n.domain() != "ai.onnx")
      fail_node(n, "operator of domain \"" + n.domain() + "\" is not supported; lvsim supports " + kSupportedOps);
    if (op == "Conv")
      conv(n, index);
    else if (op == "Gemm")
      linear(n, index, true);
    else if (op == "MatMul")
      linear(n, index, false);
    else if (op == "Add")
      add(n, index);
    else if (op == "Relu")
      simple(n, index, "relu");
    else if (op == "MaxPool")
      pool(n, index, true);
    else if (op == "AveragePool")
      pool(n, index, false);
    else if (op == "GlobalAveragePool")
      simple(n, index, "avgpool2d");
    else if (op == "Flatten")
      flatten(n, index, false);
    else if (op == "Reshape") {
      if (!group_norm_reshape(n)) flatten(n, index, true);
    } else if (op == "GroupNormalization") {
      if (opset_ < 18) fail_node(n, "GroupNormalization needs opset 18 or later");
      group_normalization(n, index);
    } else if (op == "InstanceNormalization")
      instance_normalization(n);
    else if (op == "Mul")
      mul(n);
    else if (op == "Shape")
      shape_node(n);
    else if (op == "Unsqueeze")
      unsqueeze(n);
    else if (op == "BatchNormalization")
      batch_norm(n, index);
    else if (op == "Identity" || op == "Dropout")
      alias(n);
    else if (op == "Pad")
      pad(n);
    else if (op == "Constant")
      constant_node(n);
    else if (op == "QuantizeLinear")
      quantize_linear(n);
    else if (op == "DequantizeLinear")
      dequantize_linear(n);
    else
      fail_node(n, "unsupported operator " + op + "; lvsim supports " + kSupportedOps);
  }

  // ---- activation quantization from QDQ pairs ---------------------------------------------

  void record_quant(const onnx::NodeProto& n, const std::string& layer, const ActivationQuant& q) {
    auto [it, fresh] = quant_of_.emplace(layer, std::make_pair(q, n.name()));
    if (!fresh && !same_quant(it->second.first, q))
      fail_node(
          n, "the tensor of layer \"" + layer + "\" is already quantized differently by \"" + it->second.second + "\"");
  }

  // Layers that keep their input's quantization pass a QDQ on their output back to their input.
  std::string quant_owner(std::string layer) const {
    while (layer != "input") {
      const auto& l = layers_[layer_of_.at(layer)];
      const std::string t = l["type"];
      if (t != "relu" && t != "maxpool2d" && t != "avgpool2d" && t != "flatten") break;
      layer = l["input"].get<std::string>();
    }
    return layer;
  }

  void assign_activation_quants() {
    std::map<std::string, std::pair<ActivationQuant, std::string>> owned;
    // Quantizations on the owners' own outputs first, then the ones passed back through relu/pools.
    for (int pass = 0; pass < 2; ++pass)
      for (const auto& [layer, q] : quant_of_) {
        const std::string owner = quant_owner(layer);
        if ((owner == layer) != (pass == 0)) continue;
        auto [it, fresh] = owned.emplace(owner, q);
        if (!fresh && !same_quant(it->second.first, q.first))
          fail("node \"" + q.second + "\" (QuantizeLinear)",
               "quantizes the output of \"" + layer + "\" (scale " + std::to_string(q.first.scale) + ", zero point " +
                   std::to_string(q.first.zero_point) + ") differently from its input \"" + owner + "\" (scale " +
                   std::to_string(it->second.first.scale) + ", zero point " +
                   std::to_string(it->second.first.zero_point) +
                   "); lvsim's relu, pools and flatten keep their input's quantization");
      }
    for (const auto& [owner, q] : owned) {
      const nlohmann::json j = {{"scale", q.first.scale}, {"zero_point", q.first.zero_point}};
      if (owner == "input")
        input_quant_ = j;
      else
        layers_[layer_of_.at(owner)]["output_quant"] = j;
    }
  }

  // ---- the document -------------------------------------------------------------------------

  // The entry "lvsim" of the model's metadata_props: {"preprocess": {..}, "weight_quantization": {..}},
  // each validated later as the network format's field of that name.
  nlohmann::json metadata() const {
    int entries = 0;
    for (const auto& p : model_.metadata_props()) entries += p.key() == "lvsim";
    if (entries > 1) fail("metadata_props", std::to_string(entries) + " entries \"lvsim\" (give it once)");
    for (const auto& p : model_.metadata_props()) {
      if (p.key() != "lvsim") continue;
      const std::string field = "metadata_props[lvsim]";
      const nlohmann::json j = parse_json_text(p.value(), file_ + ": " + field);
      if (!j.is_object()) fail(field, "expected a JSON object");
      JsonObject o(j, file_, field);
      nlohmann::json out = nlohmann::json::object();
      for (const char* key : {"preprocess", "weight_quantization"})
        if (o.has(key)) o.get_object(key), out[key] = j[key];
      o.finish();
      return out;
    }
    return nlohmann::json::object();
  }

  nlohmann::json preprocess(const nlohmann::json& meta) const {
    nlohmann::json p = meta.contains("preprocess") ? meta["preprocess"] : nlohmann::json::object();
    if (options_.pixel_scale) p["pixel_scale"] = *options_.pixel_scale;
    if (!options_.mean.empty()) p["mean"] = options_.mean;
    if (!options_.std.empty()) p["std"] = options_.std;
    if (!p.contains("pixel_scale"))
      fail("preprocess",
           "not given: pass --pixel-scale (and --mean/--std if the model was trained on normalized "
           "inputs) to `lvsim import`, or store them in the model's metadata_props \"lvsim\" "
           "(tools/torch/export.py does; docs/importing-models.md)");
    return p;
  }

  nlohmann::json document() {
    const auto& outputs = model_.graph().output();
    if (outputs.size() != 1) fail("graph.output", "expected exactly one output (the class scores)");
    auto it = values_.find(outputs[0].name());
    const Activation* out = it == values_.end() ? nullptr : std::get_if<Activation>(&it->second);
    if (!out || out->layer == "input")
      fail("graph.output", "output \"" + outputs[0].name() + "\" is not computed by a supported layer");
    const nlohmann::json meta = metadata();
    nlohmann::json doc;
    doc["format"] = "lvsim-network";
    doc["version"] = 1;
    doc["name"] = options_.name.empty() ? std::filesystem::path(file_).stem().string() : options_.name;
    const Shape& s = input_shape_;
    doc["input"] = {{"shape", {s.c, s.h, s.w}}, {"preprocess", preprocess(meta)}};
    if (!input_quant_.is_null()) doc["input"]["quant"] = input_quant_;
    if (options_.weight_scheme)
      doc["weight_quantization"] = scheme_json(*options_.weight_scheme);
    else if (meta.contains("weight_quantization"))
      doc["weight_quantization"] = meta["weight_quantization"];
    const bool float_weights = std::any_of(layers_.begin(), layers_.end(), [](const nlohmann::json& l) {
      return (l.contains("weight") && l["weight"].contains("float")) || l.contains("gamma");
    });
    if (float_weights && !doc.contains("weight_quantization"))
      fail("weight_quantization",
           "the model has float weights but no quantization scheme: pass --bits (and the "
           "scheme flags) to `lvsim import`, or store it in the model's metadata_props "
           "\"lvsim\" (tools/torch/export.py --bits)");
    doc["layers"] = layers_;
    doc["output"] = out->layer;
    return doc;
  }

  const onnx::ModelProto& model_;
  std::string file_;
  const OnnxImportOptions& options_;
  std::map<std::string, Value> values_;   // ONNX tensor name -> what it holds
  std::map<std::string, int> consumers_;  // ONNX tensor name -> nodes (and graph outputs) reading it
  nlohmann::json layers_ = nlohmann::json::array();
  std::map<std::string, size_t> layer_of_;  // lvsim layer name -> index in layers_
  std::set<std::string> names_;
  std::set<std::string> matmul_without_bias_;
  std::map<std::string, std::pair<ActivationQuant, std::string>> quant_of_;  // layer -> (quant, Q node)
  nlohmann::json input_quant_;
  Shape input_shape_;
  int64_t opset_ = -1;  // of the default domain
};

onnx::ModelProto parse_model(const std::string& bytes, const std::string& path) {
  onnx::ModelProto model;
  if (bytes.empty() || !model.ParseFromString(bytes))
    throw FormatError(located(path, "", "not a readable ONNX model (protobuf parse failed: truncated or not ONNX)"));
  if (!model.has_graph()) throw FormatError(located(path, "graph", "missing: not an ONNX model"));
  return model;
}

}  // namespace

bool is_onnx_path(const std::string& path) {
  return lower(std::filesystem::path(path).extension().string()) == ".onnx";
}

namespace {
std::string fmt_number(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}
}  // namespace

void check_onnx_import_options(const OnnxImportOptions& o) {
  auto positive = [](double v) { return std::isfinite(v) && v > 0; };
  if (o.pixel_scale && !positive(*o.pixel_scale))
    throw ConfigError("command line: --pixel-scale: must be a finite number > 0, got " + fmt_number(*o.pixel_scale));
  for (double m : o.mean)
    if (!std::isfinite(m)) throw ConfigError("command line: --mean: must be finite numbers, got " + fmt_number(m));
  for (double sd : o.std)
    if (!positive(sd)) throw ConfigError("command line: --std: must be finite numbers > 0, got " + fmt_number(sd));
}

nlohmann::json onnx_to_network_json(const std::string& path, const OnnxImportOptions& options) {
  check_onnx_import_options(options);
  return onnx_bytes_to_network_json(read_input_file(path, kMaxModelFileBytes), path, options);
}

nlohmann::json onnx_bytes_to_network_json(const std::string& bytes, const std::string& origin,
                                          const OnnxImportOptions& options) {
  check_onnx_import_options(options);
  const onnx::ModelProto model = parse_model(bytes, origin);
  return OnnxTranslator(model, origin, options).run();
}

Network load_onnx_network(const std::string& path, const OnnxImportOptions& options) {
  Network net = import_network(onnx_to_network_json(path, options), path);
  net.source_file = path;
  return net;
}

}  // namespace lvsim
