// The ONNX importer's translator (internal to workloads/import/): the values it tracks per ONNX tensor
// and the class that turns one ModelProto into an lvsim network document. The graph walk, values,
// activation quantization and the document are in onnx_translator.cpp; one function per supported
// operator in onnx_nodes.cpp; the public entry points in onnx_import.cpp.
#pragma once

#include <onnx/onnx_pb.h>

#include <map>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/errors.h"
#include "workloads/import/onnx_import.h"
#include "workloads/network/network.h"

namespace lvsim::onnx_detail {

// Opsets whose semantics of the supported operators this importer follows (up to opset 21: the
// changes of opsets 18-21 to the supported operators are checked where they matter: Pad's `axes`
// input, QuantizeLinear/DequantizeLinear's `block_size`, AveragePool's `dilations`).
inline constexpr int64_t kMinOpset = 9, kMaxOpset = 21;

inline const char* kSupportedOps =
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

std::string lower(std::string s);
// Reads an ONNX TensorProto into a Constant; `where` names it in messages.
Constant decode_tensor(const onnx::TensorProto& t, const std::string& file, const std::string& where);
nlohmann::json scheme_json(const WeightQuantScheme& s);
bool same_quant(const ActivationQuant& a, const ActivationQuant& b);

// Rows and columns of a 2-D tensor swapped (ONNX's [in, out] to lvsim's [out, in]).
template <typename T>
std::vector<T> transposed(const std::vector<T>& v, int64_t rows, int64_t cols) {
  std::vector<T> t(v.size());
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) t[size_t(c * rows + r)] = v[size_t(r * cols + c)];
  return t;
}

// Translates one ModelProto; one instance per import.
class OnnxTranslator {
 public:
  OnnxTranslator(const onnx::ModelProto& model, std::string file, const OnnxImportOptions& options)
      : model_(model), file_(std::move(file)), options_(options) {}

  nlohmann::json run();

 private:
  [[noreturn]] void fail(const std::string& field, const std::string& what) const {
    throw ConfigError(located(file_, field, what));
  }
  [[noreturn]] void fail_node(const onnx::NodeProto& n, const std::string& what) const {
    fail("node \"" + n.name() + "\" (" + n.op_type() + ")", what);
  }

  // Every tensor is produced once (ONNX's single-assignment rule): with two producers of one name,
  // which one a later node reads would depend on the order of translation.
  void check_unique_outputs() const;

  void check_opset();

  // The one graph input that is not an initializer: float, [N, C, H, W] or [N, F] with fixed C, H, W / F.
  void read_input();

  // ---- values -------------------------------------------------------------------------------

  const Value& value(const onnx::NodeProto& n, int i) const;
  bool has_input(const onnx::NodeProto& n, int i) const { return i < n.input_size() && !n.input(i).empty(); }

  const Activation& activation(const onnx::NodeProto& n, int i) const;

  const Constant& constant(const onnx::NodeProto& n, int i) const;

  // A scalar or per-axis constant of a QuantizeLinear / DequantizeLinear.
  std::vector<double> reals_of(const onnx::NodeProto& n, int i) const;

  void define(const onnx::NodeProto& n, int out, Value v) {
    if (out < n.output_size() && !n.output(out).empty()) values_[n.output(out)] = std::move(v);
  }

  // ---- attributes ---------------------------------------------------------------------------

  static const onnx::AttributeProto* attr(const onnx::NodeProto& n, const std::string& name);
  static int64_t attr_int(const onnx::NodeProto& n, const std::string& name, int64_t fallback) {
    const auto* a = attr(n, name);
    return a ? a->i() : fallback;
  }
  static double attr_float(const onnx::NodeProto& n, const std::string& name, double fallback) {
    const auto* a = attr(n, name);
    return a ? a->f() : fallback;
  }
  static std::vector<int64_t> attr_ints(const onnx::NodeProto& n, const std::string& name,
                                        std::vector<int64_t> fallback);

  // Kernel, strides and symmetric pads of a 2-D window (Conv, MaxPool, AveragePool).
  struct Window {
    int64_t kh, kw, sh, sw, ph, pw;
  };
  Window window(const onnx::NodeProto& n, std::vector<int64_t> kernel) const;

  Shape window_output(const onnx::NodeProto& n, const Shape& in, const Window& w, int channels) const;

  // ---- layers -------------------------------------------------------------------------------

  std::string layer_name(const onnx::NodeProto& n, int index);

  // Appends a layer and defines the node's first output as its activation.
  void emit(const onnx::NodeProto& n, nlohmann::json layer, const Shape& out);

  nlohmann::json base_layer(const onnx::NodeProto& n, int index, const char* type, const Activation& in) {
    return {{"name", layer_name(n, index)}, {"type", type}, {"input", in.layer}};
  }

  // The `weight` object of a conv2d/linear from a float or DequantizeLinear'd constant; `lvsim_shape`
  // is [out, ...]; `transpose` turns ONNX's [in, out] into [out, in]; `out_axis`: the ONNX axis of
  // the output channels (per-channel scales must lie along it).
  nlohmann::json weight_json(const onnx::NodeProto& n, int i, const std::vector<int64_t>& lvsim_shape, bool transpose,
                             int64_t out_axis, double factor) const;

  // A float bias (a float constant, or the dequantized values of a DequantizeLinear'd one).
  nlohmann::json bias_json(const onnx::NodeProto& n, int i, int64_t out, double factor) const;

  std::vector<int64_t> weight_dims(const onnx::NodeProto& n, int i) const;

  void conv(const onnx::NodeProto& n, int index);

  // Gemm (Y = alpha * A * B' + beta * C) and MatMul (Y = A * B) with a constant B -> linear.
  void linear(const onnx::NodeProto& n, int index, bool gemm);

  // Add of two activations -> add layer; activation + constant -> the bias of the MatMul before it.
  void add(const onnx::NodeProto& n, int index);

  void batch_norm(const onnx::NodeProto& n, int index);

  void pool(const onnx::NodeProto& n, int index, bool max);

  // Flatten (axis 1) and Reshape to [N, C*H*W] -> flatten.
  void flatten(const onnx::NodeProto& n, int index, bool reshape);

  void simple(const onnx::NodeProto& n, int index, const char* type);

  void constant_node(const onnx::NodeProto& n);

  // Scale and zero point inputs (1, 2) of a QuantizeLinear/DequantizeLinear; zero point type = code type.
  void quant_params(const onnx::NodeProto& n, std::vector<double>& scale, std::vector<int64_t>& zp, int& type) const;

  int64_t quant_axis(const onnx::NodeProto& n, size_t rank) const;

  void quantize_linear(const onnx::NodeProto& n);

  void dequantize_linear(const onnx::NodeProto& n);

  // ---- group normalization ------------------------------------------------------------------

  // A float constant of C values (shape [C], [C, 1, 1], [1, C, 1, 1]) or one value broadcast.
  std::vector<double> per_channel_constant(const onnx::NodeProto& n, int i, int64_t channels, const char* what) const;

  void emit_group_norm(const onnx::NodeProto& n, int index, const GroupNormPattern& p, const std::vector<double>& gamma,
                       const std::vector<double>& beta);

  double group_norm_eps(const onnx::NodeProto& n) const;

  // GroupNormalization (opset 18: scale and bias per group [G], expanded to the group's channels;
  // opset 21: per channel [C]).
  void group_normalization(const onnx::NodeProto& n, int index);

  // Reshape inside PyTorch's GroupNorm pattern: [N, C, H, W] -> [N, G, -1], and back.
  bool group_norm_reshape(const onnx::NodeProto& n);

  void instance_normalization(const onnx::NodeProto& n);

  void mul(const onnx::NodeProto& n);

  // Shape of an activation: the constant [1, C, H, W] (the batch of one lvsim runs).
  void shape_node(const onnx::NodeProto& n);

  // Unsqueeze of a constant (axes as attribute, opsets < 13, or as input): the same values.
  void unsqueeze(const onnx::NodeProto& n);

  // PyTorch writes AvgPool2d as Pad (all zero) + AveragePool: a zero Pad is the identity.
  void pad(const onnx::NodeProto& n);

  void alias(const onnx::NodeProto& n);

  void translate(const onnx::NodeProto& n, int index);

  // ---- activation quantization from QDQ pairs ---------------------------------------------

  void record_quant(const onnx::NodeProto& n, const std::string& layer, const ActivationQuant& q);

  // Layers that keep their input's quantization pass a QDQ on their output back to their input.
  std::string quant_owner(std::string layer) const;

  void assign_activation_quants();

  // ---- the document -------------------------------------------------------------------------

  // The entry "lvsim" of the model's metadata_props: {"preprocess": {..}, "weight_quantization": {..}},
  // each validated later as the network format's field of that name.
  nlohmann::json metadata() const;

  nlohmann::json preprocess(const nlohmann::json& meta) const;

  nlohmann::json document();

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

}  // namespace lvsim::onnx_detail
