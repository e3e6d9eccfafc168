// One translation per supported ONNX operator (the layers, QuantizeLinear/DequantizeLinear, the
// group-normalization forms, the shape-only nodes) and the dispatch on the operator type.
#include "workloads/import/onnx_translator.h"

#include <algorithm>
#include <cmath>

#include "workloads/network/tensor_codec.h"

namespace lvsim::onnx_detail {

std::string OnnxTranslator::layer_name(const onnx::NodeProto& n, int index) {
  std::string name = n.name();
  if (name.empty() || name == "input" || names_.count(name)) name = lower(n.op_type()) + "_" + std::to_string(index);
  while (names_.count(name)) name += "_";
  names_.insert(name);
  return name;
}

void OnnxTranslator::emit(const onnx::NodeProto& n, nlohmann::json layer, const Shape& out) {
  const std::string name = layer["name"];
  layer_of_[name] = layers_.size();
  layers_.push_back(std::move(layer));
  define(n, 0, Activation{name, out});
}

nlohmann::json OnnxTranslator::weight_json(const onnx::NodeProto& n, int i, const std::vector<int64_t>& lvsim_shape,
                                           bool transpose, int64_t out_axis, double factor) const {
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

nlohmann::json OnnxTranslator::bias_json(const onnx::NodeProto& n, int i, int64_t out, double factor) const {
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

std::vector<int64_t> OnnxTranslator::weight_dims(const onnx::NodeProto& n, int i) const {
  const Value& v = value(n, i);
  if (const auto* c = std::get_if<Constant>(&v)) return c->dims;
  if (const auto* q = std::get_if<QuantConstant>(&v)) return q->codes.dims;
  fail_node(n, "weights \"" + n.input(i) + "\" must be a constant or a DequantizeLinear of one");
}

void OnnxTranslator::conv(const onnx::NodeProto& n, int index) {
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

void OnnxTranslator::linear(const onnx::NodeProto& n, int index, bool gemm) {
  const Activation& x = activation(n, 0);
  const auto wd = weight_dims(n, 1);
  if (wd.size() != 2) fail_node(n, "the weights must be a 2-D constant");
  if (gemm && attr_int(n, "transA", 0) != 0) fail_node(n, "transA = 1 is not supported");
  const bool trans_b = gemm && attr_int(n, "transB", 0) != 0;  // B is [out, in] (PyTorch) when set
  const int64_t in = trans_b ? wd[1] : wd[0], out = trans_b ? wd[0] : wd[1];
  if (in != x.shape.size())
    fail_node(
        n, "weights expect " + std::to_string(in) + " input features, the input has " + std::to_string(x.shape.size()));
  const double alpha = gemm ? attr_float(n, "alpha", 1.0) : 1.0, beta = gemm ? attr_float(n, "beta", 1.0) : 1.0;
  auto l = base_layer(n, index, "linear", x);
  l["out_features"] = out;
  l["weight"] = weight_json(n, 1, {out, in}, !trans_b, trans_b ? 0 : 1, alpha);
  if (gemm && has_input(n, 2)) l["bias"] = bias_json(n, 2, out, beta);
  if (!gemm) matmul_without_bias_.insert(l["name"].get<std::string>());
  emit(n, std::move(l), Shape{int(out), 1, 1});
}

void OnnxTranslator::add(const onnx::NodeProto& n, int index) {
  if (n.input_size() != 2) fail_node(n, "expected two inputs");
  for (int i = 0; i < 2; ++i)
    if (const auto* p = std::get_if<GroupNormPattern>(&value(n, i))) {
      if (p->stage != GroupNormPattern::Stage::Scaled) fail_node(n, "expected the Mul by gamma before the Add of beta");
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

void OnnxTranslator::batch_norm(const onnx::NodeProto& n, int index) {
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

void OnnxTranslator::pool(const onnx::NodeProto& n, int index, bool max) {
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

void OnnxTranslator::flatten(const onnx::NodeProto& n, int index, bool reshape) {
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

void OnnxTranslator::simple(const onnx::NodeProto& n, int index, const char* type) {
  const Activation& x = activation(n, 0);
  auto l = base_layer(n, index, type, x);
  Shape out = x.shape;
  if (std::string(type) == "avgpool2d") {
    l["global"] = true;
    out = Shape{x.shape.c, 1, 1};
  }
  emit(n, std::move(l), out);
}

void OnnxTranslator::constant_node(const onnx::NodeProto& n) {
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

void OnnxTranslator::quant_params(const onnx::NodeProto& n, std::vector<double>& scale, std::vector<int64_t>& zp,
                                  int& type) const {
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

int64_t OnnxTranslator::quant_axis(const onnx::NodeProto& n, size_t rank) const {
  int64_t axis = attr_int(n, "axis", 1);
  if (axis < 0) axis += int64_t(rank);
  return axis;
}

void OnnxTranslator::quantize_linear(const onnx::NodeProto& n) {
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

void OnnxTranslator::dequantize_linear(const onnx::NodeProto& n) {
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

std::vector<double> OnnxTranslator::per_channel_constant(const onnx::NodeProto& n, int i, int64_t channels,
                                                         const char* what) const {
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

void OnnxTranslator::emit_group_norm(const onnx::NodeProto& n, int index, const GroupNormPattern& p,
                                     const std::vector<double>& gamma, const std::vector<double>& beta) {
  auto l = base_layer(n, index, "groupnorm", p.act);
  l["groups"] = p.groups;
  l["eps"] = p.eps;
  l["gamma"] = {{"float", float_tensor_json(DType::Float64, {p.act.shape.c}, gamma, false)}};
  l["beta"] = {{"float", float_tensor_json(DType::Float64, {p.act.shape.c}, beta, false)}};
  emit(n, std::move(l), p.act.shape);
}

double OnnxTranslator::group_norm_eps(const onnx::NodeProto& n) const {
  const double eps = attr_float(n, "epsilon", double(1e-5f));  // ONNX's default: the float 1e-5
  if (!(eps > 0)) fail_node(n, "epsilon must be > 0");
  return eps;
}

void OnnxTranslator::group_normalization(const onnx::NodeProto& n, int index) {
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

bool OnnxTranslator::group_norm_reshape(const onnx::NodeProto& n) {
  const Value& v = value(n, 0);
  const Constant& s = constant(n, 1);
  if (const auto* p = std::get_if<GroupNormPattern>(&v)) {
    const Shape& in = p->act.shape;
    const bool back = p->stage == GroupNormPattern::Stage::Normalized && s.ints.size() == 4 &&
                      (s.ints[0] == 0 || s.ints[0] == 1 || s.ints[0] == -1) && s.ints[1] == in.c && s.ints[2] == in.h &&
                      s.ints[3] == in.w;
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

void OnnxTranslator::instance_normalization(const onnx::NodeProto& n) {
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

void OnnxTranslator::mul(const onnx::NodeProto& n) {
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

void OnnxTranslator::shape_node(const onnx::NodeProto& n) {
  const Activation& x = activation(n, 0);
  Constant c;
  c.type = onnx::TensorProto::INT64;
  c.ints = {1, x.shape.c, x.shape.h, x.shape.w};
  c.dims = {4};
  define(n, 0, c);
}

void OnnxTranslator::unsqueeze(const onnx::NodeProto& n) {
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

void OnnxTranslator::pad(const onnx::NodeProto& n) {
  std::vector<int64_t> pads = attr_ints(n, "pads", {});
  if (has_input(n, 1)) pads = constant(n, 1).ints;
  if (has_input(n, 3)) fail_node(n, "the axes input (opset 18) is not supported");
  if (std::any_of(pads.begin(), pads.end(), [](int64_t p) { return p != 0; }))
    fail_node(n, "only a Pad of zero width is supported (pad inside the Conv or MaxPool instead)");
  define(n, 0, activation(n, 0));
}

void OnnxTranslator::alias(const onnx::NodeProto& n) {
  for (int o = 1; o < n.output_size(); ++o)
    if (!n.output(o).empty() && consumers_[n.output(o)]) fail_node(n, "only the first output may be used");
  define(n, 0, Value(value(n, 0)));
}

void OnnxTranslator::translate(const onnx::NodeProto& n, int index) {
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

}  // namespace lvsim::onnx_detail
