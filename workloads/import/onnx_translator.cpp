#include "workloads/import/onnx_translator.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "common/json_reader.h"
#include "workloads/network/tensor_codec.h"

namespace lvsim::onnx_detail {

std::string lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

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

bool same_quant(const ActivationQuant& a, const ActivationQuant& b) {
  return a.zero_point == b.zero_point && std::abs(a.scale - b.scale) <= 1e-6 * std::max(a.scale, b.scale);
}

nlohmann::json OnnxTranslator::run() {
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

void OnnxTranslator::check_unique_outputs() const {
  std::set<std::string> seen;
  for (const auto& init : model_.graph().initializer()) seen.insert(init.name());
  for (const auto& n : model_.graph().node())
    for (const auto& out : n.output())
      if (!out.empty() && !seen.insert(out).second)
        fail_node(n, "output \"" + out + "\" is already produced by another node or an initializer");
}

void OnnxTranslator::check_opset() {
  int64_t& opset = opset_;
  for (const auto& o : model_.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx") opset = o.version();
  if (opset < 0) fail("opset_import", "no opset of the default ONNX domain");
  if (opset < kMinOpset || opset > kMaxOpset)
    fail("opset_import", "opset " + std::to_string(opset) + " is not supported (lvsim reads opsets " +
                             std::to_string(kMinOpset) + ".." + std::to_string(kMaxOpset) + ")");
  if (!model_.has_graph() || model_.graph().node_size() == 0) fail("graph", "the model has no nodes");
}

void OnnxTranslator::read_input() {
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

const Value& OnnxTranslator::value(const onnx::NodeProto& n, int i) const {
  if (i >= n.input_size() || n.input(i).empty()) fail_node(n, "input " + std::to_string(i) + " is missing");
  auto it = values_.find(n.input(i));
  if (it == values_.end()) fail_node(n, "input \"" + n.input(i) + "\" is not defined by an earlier node");
  return it->second;
}

const Activation& OnnxTranslator::activation(const onnx::NodeProto& n, int i) const {
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

const Constant& OnnxTranslator::constant(const onnx::NodeProto& n, int i) const {
  const Value& v = value(n, i);
  if (const auto* c = std::get_if<Constant>(&v)) return *c;
  fail_node(n, "input \"" + n.input(i) + "\" must be a constant (initializer)");
}

std::vector<double> OnnxTranslator::reals_of(const onnx::NodeProto& n, int i) const {
  const Constant& c = constant(n, i);
  if (!c.is_float()) fail_node(n, "input \"" + n.input(i) + "\" must be float");
  return c.reals;
}

const onnx::AttributeProto* OnnxTranslator::attr(const onnx::NodeProto& n, const std::string& name) {
  for (const auto& a : n.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

std::vector<int64_t> OnnxTranslator::attr_ints(const onnx::NodeProto& n, const std::string& name,
                                               std::vector<int64_t> fallback) {
  const auto* a = attr(n, name);
  return a ? std::vector<int64_t>(a->ints().begin(), a->ints().end()) : fallback;
}

OnnxTranslator::Window OnnxTranslator::window(const onnx::NodeProto& n, std::vector<int64_t> kernel) const {
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

Shape OnnxTranslator::window_output(const onnx::NodeProto& n, const Shape& in, const Window& w, int channels) const {
  if (in.h + 2 * w.ph < w.kh || in.w + 2 * w.pw < w.kw)
    fail_node(n, "kernel " + std::to_string(w.kh) + "x" + std::to_string(w.kw) + " is larger than the padded input");
  return Shape{channels, int((in.h + 2 * w.ph - w.kh) / w.sh + 1), int((in.w + 2 * w.pw - w.kw) / w.sw + 1)};
}

void OnnxTranslator::record_quant(const onnx::NodeProto& n, const std::string& layer, const ActivationQuant& q) {
  auto [it, fresh] = quant_of_.emplace(layer, std::make_pair(q, n.name()));
  if (!fresh && !same_quant(it->second.first, q))
    fail_node(
        n, "the tensor of layer \"" + layer + "\" is already quantized differently by \"" + it->second.second + "\"");
}

std::string OnnxTranslator::quant_owner(std::string layer) const {
  while (layer != "input") {
    const auto& l = layers_[layer_of_.at(layer)];
    const std::string t = l["type"];
    if (t != "relu" && t != "maxpool2d" && t != "avgpool2d" && t != "flatten") break;
    layer = l["input"].get<std::string>();
  }
  return layer;
}

void OnnxTranslator::assign_activation_quants() {
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

nlohmann::json OnnxTranslator::metadata() const {
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

nlohmann::json OnnxTranslator::preprocess(const nlohmann::json& meta) const {
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

nlohmann::json OnnxTranslator::document() {
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

}  // namespace lvsim::onnx_detail
