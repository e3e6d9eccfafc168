// ONNX import: small models built here as protobufs (libonnx's generated classes), each compared
// with the lvsim-network document that says the same thing by hand (the format's importer is the
// oracle, itself checked against tools/torch/int_reference.py); then every rejected model.
#include <onnx/onnx_pb.h>

#include <cmath>

#include "test_network_json_support.h"
#include "workloads/import/network_loader.h"
#include "workloads/import/onnx_import.h"
#include "workloads/network/network_finalize.h"

namespace lvsim::test {
namespace {

/// Builds a ModelProto: one float input [1, C, H, W], initializers, nodes, one output.
class OnnxBuilder {
 public:
  explicit OnnxBuilder(std::vector<int64_t> input_dims, int64_t opset = 13) {
    model_.set_ir_version(7);
    auto* op = model_.add_opset_import();
    op->set_domain("");
    op->set_version(opset);
    auto* in = model_.mutable_graph()->add_input();
    in->set_name("x");
    auto* tt = in->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(onnx::TensorProto::FLOAT);
    for (int64_t d : input_dims) tt->mutable_shape()->add_dim()->set_dim_value(d);
    preprocess(0.5);
  }
  onnx::ModelProto& model() { return model_; }

  void preprocess(double pixel_scale) {
    model_.clear_metadata_props();
    auto* p = model_.add_metadata_props();
    p->set_key("lvsim");
    p->set_value(nlohmann::json{{"preprocess", {{"pixel_scale", pixel_scale}}}}.dump());
  }
  void floats(const std::string& name, std::vector<int64_t> dims, const std::vector<double>& v) {
    auto* t = init(name, dims, onnx::TensorProto::FLOAT);
    for (double x : v) t->add_float_data(float(x));
  }
  void ints(const std::string& name, std::vector<int64_t> dims, int type, const std::vector<int64_t>& v) {
    auto* t = init(name, dims, type);
    for (int64_t x : v) type == onnx::TensorProto::INT64 ? t->add_int64_data(x) : t->add_int32_data(int32_t(x));
  }
  onnx::NodeProto& node(const std::string& op, std::vector<std::string> in, std::vector<std::string> out,
                        const std::string& name) {
    auto* n = model_.mutable_graph()->add_node();
    n->set_op_type(op);
    n->set_name(name);
    for (auto& s : in) n->add_input(s);
    for (auto& s : out) n->add_output(s);
    return *n;
  }
  static void attr(onnx::NodeProto& n, const std::string& name, std::vector<int64_t> v) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (int64_t x : v) a->add_ints(x);
  }
  static void attr(onnx::NodeProto& n, const std::string& name, int64_t v) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
  }
  static void attr_f(onnx::NodeProto& n, const std::string& name, double v) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::FLOAT);
    a->set_f(float(v));
  }
  void output(const std::string& name) { model_.mutable_graph()->add_output()->set_name(name); }
  std::string save(const std::string& file) { return write_temp(file, model_.SerializeAsString()); }

 private:
  onnx::TensorProto* init(const std::string& name, std::vector<int64_t> dims, int type) {
    auto* t = model_.mutable_graph()->add_initializer();
    t->set_name(name);
    t->set_data_type(type);
    for (int64_t d : dims) t->add_dims(d);
    return t;
  }
  onnx::ModelProto model_;
};

std::vector<double> ramp(size_t n, double from, double step) {
  std::vector<double> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = from + step * double(i) + 0.013 * double((i * 7) % 5);
  return v;
}

nlohmann::json inline_float(std::vector<int64_t> shape, const std::vector<double>& v) {
  // float32 values, as ONNX holds them
  std::vector<double> f(v.size());
  for (size_t i = 0; i < v.size(); ++i) f[i] = double(float(v[i]));
  return {{"dtype", "float64"}, {"shape", shape}, {"data", f}};
}

/// The lvsim-network document both sides of a comparison share.
nlohmann::json doc_with(nlohmann::json input, nlohmann::json layers, const std::string& output) {
  return {{"format", "lvsim-network"},
          {"version", 1},
          {"name", "m"},
          {"input", input},
          {"weight_quantization", {{"bits", 6}}},
          {"layers", layers},
          {"output", output}};
}

/// Same layers (type, links, geometry), same stored weights, scales, zero points and float biases.
void require_same(const Network& a, const Network& b) {
  REQUIRE(a.layers.size() == b.layers.size());
  CHECK(a.input_shape == b.input_shape);
  CHECK(a.output == b.output);
  CHECK(a.preprocess.pixel_scale == b.preprocess.pixel_scale);
  CHECK(a.input_quant_given == b.input_quant_given);
  for (size_t i = 0; i < a.layers.size(); ++i) {
    const Layer &x = a.layers[i], &y = b.layers[i];
    INFO("layer " << i << " " << x.name);
    CHECK(x.type == y.type);
    CHECK(x.inputs == y.inputs);
    CHECK(x.out_shape == y.out_shape);
    CHECK((std::vector<int>{x.kernel_h, x.kernel_w, x.stride_h, x.stride_w, x.pad_h, x.pad_w, x.groups} ==
           std::vector<int>{y.kernel_h, y.kernel_w, y.stride_h, y.stride_w, y.pad_h, y.pad_w, y.groups}));
    CHECK(x.weight.stored == y.weight.stored);
    CHECK(x.weight.scale == y.weight.scale);
    CHECK(x.weight.zero_point == y.weight.zero_point);
    CHECK(x.weight.storage == y.weight.storage);
    CHECK(x.bias_real == y.bias_real);
    CHECK(x.bias == y.bias);
    CHECK(x.out_quant_given == y.out_quant_given);
    if (x.out_quant_given)
      CHECK((x.out_quant.scale == y.out_quant.scale && x.out_quant.zero_point == y.out_quant.zero_point));
  }
}

template <class E>
void require_onnx_error(OnnxBuilder& b, const std::string& file, const std::vector<std::string>& parts) {
  require_load_error<E>(b.save(file), parts);
}

}  // namespace

TEST_CASE("onnx: float CNN (Conv groups/stride/pads, Relu, MaxPool, Pad, Flatten, Gemm) as the format says", "[onnx]") {
  OnnxBuilder b({1, 2, 6, 6});
  const auto w1 = ramp(4 * 1 * 3 * 3, -0.3, 0.017), b1 = ramp(4, -0.1, 0.05);
  const auto w2 = ramp(3 * 16, 0.4, -0.011), b2 = ramp(3, 0.2, -0.1);
  b.floats("w1", {4, 1, 3, 3}, w1);
  b.floats("b1", {4}, b1);
  b.floats("w2", {3, 16}, w2);
  b.floats("b2", {3}, b2);
  auto& conv = b.node("Conv", {"x", "w1", "b1"}, {"c"}, "conv");
  OnnxBuilder::attr(conv, "group", 2);
  OnnxBuilder::attr(conv, "strides", {2, 1});
  OnnxBuilder::attr(conv, "pads", {1, 0, 1, 0});
  OnnxBuilder::attr(conv, "kernel_shape", {3, 3});
  b.node("Relu", {"c"}, {"r"}, "relu");
  b.ints("zero_pads", {8}, onnx::TensorProto::INT64, {0, 0, 0, 0, 0, 0, 0, 0});
  b.node("Pad", {"r", "zero_pads"}, {"rp"}, "pad");
  auto& pool = b.node("MaxPool", {"rp"}, {"p"}, "pool");
  OnnxBuilder::attr(pool, "kernel_shape", {2, 2});
  OnnxBuilder::attr(pool, "strides", {1, 2});
  b.node("Dropout", {"p"}, {"d"}, "drop");
  b.node("Flatten", {"d"}, {"f"}, "flat");
  auto& gemm = b.node("Gemm", {"f", "w2", "b2"}, {"y"}, "fc");
  OnnxBuilder::attr(gemm, "transB", 1);
  b.output("y");
  OnnxImportOptions opt;
  opt.weight_scheme = WeightQuantScheme::robust(6);
  opt.name = "m";
  const Network got = load_onnx_network(b.save("float_cnn.onnx"), opt);

  const auto want = import_network(
      doc_with({{"shape", {2, 6, 6}}, {"preprocess", {{"pixel_scale", 0.5}}}},
               {{{"name", "conv"},
                 {"type", "conv2d"},
                 {"input", "input"},
                 {"out_channels", 4},
                 {"kernel", {3, 3}},
                 {"stride", {2, 1}},
                 {"padding", {1, 0}},
                 {"groups", 2},
                 {"weight", {{"float", inline_float({4, 1, 3, 3}, w1)}}},
                 {"bias", inline_float({4}, b1)}},
                {{"name", "relu"}, {"type", "relu"}, {"input", "conv"}},
                {{"name", "pool"}, {"type", "maxpool2d"}, {"input", "relu"}, {"kernel", {2, 2}}, {"stride", {1, 2}}},
                {{"name", "flat"}, {"type", "flatten"}, {"input", "pool"}},
                {{"name", "fc"},
                 {"type", "linear"},
                 {"input", "flat"},
                 {"out_features", 3},
                 {"weight", {{"float", inline_float({3, 16}, w2)}}},
                 {"bias", inline_float({3}, b2)}}},
               "fc"),
      "want");
  REQUIRE(needs_calibration(got));
  require_same(got, want);
  CHECK(got.layers[0].out_shape == Shape{4, 3, 4});
}

TEST_CASE("onnx: MatMul+Add bias, Gemm without transB (transposed), Reshape, AveragePool, global pool, Add", "[onnx]") {
  OnnxBuilder b({1, 2, 4, 4});
  const auto wc = ramp(2 * 2 * 1 * 1, -0.5, 0.3), wm = ramp(8 * 3, -0.2, 0.02), bm = ramp(3, 0.1, 0.1);
  const auto wg = ramp(2 * 3, 0.3, -0.1);
  b.floats("wc", {2, 2, 1, 1}, wc);
  b.floats("wm", {8, 3}, wm);  // MatMul: [in, out]
  b.floats("bm", {3}, bm);
  b.floats("wg", {2, 3}, wg);  // Gemm without transB: [in, out]
  b.ints("shape", {2}, onnx::TensorProto::INT64, {1, -1});
  b.node("Conv", {"x", "wc"}, {"c"}, "conv");
  b.node("Add", {"c", "x"}, {"s"}, "residual");
  auto& ap = b.node("AveragePool", {"s"}, {"a"}, "avg");
  OnnxBuilder::attr(ap, "kernel_shape", {2, 2});
  OnnxBuilder::attr(ap, "strides", {2, 2});
  b.node("Reshape", {"a", "shape"}, {"f"}, "");  // unnamed: gets a generated name
  b.node("MatMul", {"f", "wm"}, {"m"}, "mm");
  b.node("Add", {"m", "bm"}, {"mb"}, "mm_bias");
  b.node("Identity", {"s"}, {"s2"}, "id");
  b.node("GlobalAveragePool", {"s2"}, {"g"}, "gap");
  b.node("Flatten", {"g"}, {"gf"}, "gflat");
  b.node("Gemm", {"gf", "wg"}, {"y"}, "fc");
  b.output("y");
  OnnxImportOptions opt;
  opt.weight_scheme = WeightQuantScheme::robust(6);
  opt.name = "m";
  const Network got = load_onnx_network(b.save("ops.onnx"), opt);

  std::vector<double> wm_t(24), wg_t(6);  // lvsim's [out, in]
  for (int i = 0; i < 8; ++i)
    for (int o = 0; o < 3; ++o) wm_t[size_t(o * 8 + i)] = wm[size_t(i * 3 + o)];
  for (int i = 0; i < 2; ++i)
    for (int o = 0; o < 3; ++o) wg_t[size_t(o * 2 + i)] = wg[size_t(i * 3 + o)];
  const auto want =
      import_network(doc_with({{"shape", {2, 4, 4}}, {"preprocess", {{"pixel_scale", 0.5}}}},
                              {{{"name", "conv"},
                                {"type", "conv2d"},
                                {"input", "input"},
                                {"out_channels", 2},
                                {"kernel", {1, 1}},
                                {"weight", {{"float", inline_float({2, 2, 1, 1}, wc)}}}},
                               {{"name", "residual"}, {"type", "add"}, {"input", {"conv", "input"}}},
                               {{"name", "avg"}, {"type", "avgpool2d"}, {"input", "residual"}, {"kernel", {2, 2}}},
                               {{"name", "reshape_4"}, {"type", "flatten"}, {"input", "avg"}},
                               {{"name", "mm"},
                                {"type", "linear"},
                                {"input", "reshape_4"},
                                {"out_features", 3},
                                {"weight", {{"float", inline_float({3, 8}, wm_t)}}},
                                {"bias", inline_float({3}, bm)}},
                               {{"name", "gap"}, {"type", "avgpool2d"}, {"input", "residual"}, {"global", true}},
                               {{"name", "gflat"}, {"type", "flatten"}, {"input", "gap"}},
                               {{"name", "fc"},
                                {"type", "linear"},
                                {"input", "gflat"},
                                {"out_features", 3},
                                {"weight", {{"float", inline_float({3, 2}, wg_t)}}}}},
                              "fc"),
                     "want");
  require_same(got, want);
}

TEST_CASE("onnx: BatchNormalization folds into the Conv before it", "[onnx]") {
  OnnxBuilder b({1, 1, 3, 3});
  const auto w = ramp(2 * 9, -0.2, 0.03);
  const std::vector<double> gamma = {1.5, 0.5}, beta = {0.1, -0.2}, mean = {0.05, -0.1}, var = {0.8, 1.7};
  b.floats("w", {2, 1, 3, 3}, w);
  b.floats("g", {2}, gamma);
  b.floats("be", {2}, beta);
  b.floats("mu", {2}, mean);
  b.floats("v", {2}, var);
  auto& conv = b.node("Conv", {"x", "w"}, {"c"}, "conv");
  OnnxBuilder::attr(conv, "pads", {1, 1, 1, 1});
  auto& bn = b.node("BatchNormalization", {"c", "g", "be", "mu", "v"}, {"n"}, "bn");
  OnnxBuilder::attr_f(bn, "epsilon", 0.01);
  b.node("Relu", {"n"}, {"y"}, "relu");
  b.output("y");
  OnnxImportOptions opt;
  opt.weight_scheme = WeightQuantScheme::robust(6);
  const Network got = load_onnx_network(b.save("bn.onnx"), opt);
  // Folded by hand (docs/model-format.md, "Batch norm") and quantized by the format's importer.
  std::vector<double> wf(w.size()), bf(2);
  for (size_t c = 0; c < 2; ++c) {
    const double f = double(float(gamma[c])) / std::sqrt(double(float(var[c])) + double(float(0.01)));
    for (size_t i = 0; i < 9; ++i) wf[c * 9 + i] = double(float(w[c * 9 + i])) * f;
    bf[c] = (0.0 - double(float(mean[c]))) * f + double(float(beta[c]));
  }
  nlohmann::json wj = {{"dtype", "float64"}, {"shape", {2, 1, 3, 3}}, {"data", wf}};
  const auto want = import_network(doc_with({{"shape", {1, 3, 3}}, {"preprocess", {{"pixel_scale", 0.5}}}},
                                            {{{"name", "conv"},
                                              {"type", "conv2d"},
                                              {"input", "input"},
                                              {"out_channels", 2},
                                              {"kernel", {3, 3}},
                                              {"padding", {1, 1}},
                                              {"weight", {{"float", wj}}}},
                                             {{"name", "relu"}, {"type", "relu"}, {"input", "conv"}}},
                                            "relu"),
                                   "want");
  REQUIRE(got.layers.size() == 2);
  CHECK(got.layers[0].weight.stored == want.layers[0].weight.stored);
  // Folding is real arithmetic (float32 inputs, double products): equal codes, scales to rounding.
  CHECK(got.layers[0].weight.scale[0] == Approx(want.layers[0].weight.scale[0]).epsilon(1e-7));
  REQUIRE(got.layers[0].bias_real.size() == 2);
  for (size_t c = 0; c < 2; ++c) CHECK(got.layers[0].bias_real[c] == Approx(bf[c]).epsilon(1e-12));
}

namespace {

/// The groupnorm document equal to a GroupNorm with per-channel gamma/beta on a C x 2 x 2 input.
Network groupnorm_doc(int64_t C, int64_t G, double eps, const std::vector<double>& gamma,
                      const std::vector<double>& beta) {
  return import_network(doc_with({{"shape", {C, 2, 2}}, {"preprocess", {{"pixel_scale", 0.5}}}},
                                 {{{"name", "gn"},
                                   {"type", "groupnorm"},
                                   {"input", "input"},
                                   {"groups", G},
                                   {"eps", double(float(eps))},
                                   {"gamma", {{"float", inline_float({C}, gamma)}}},
                                   {"beta", {{"float", inline_float({C}, beta)}}}},
                                  {{"name", "relu"}, {"type", "relu"}, {"input", "gn"}}},
                                 "relu"),
                        "want");
}

void check_same_groupnorm(const Network& got, const Network& want) {
  require_same(got, want);
  CHECK(got.layers[0].norm.eps == want.layers[0].norm.eps);
  CHECK(got.layers[0].norm.gamma_offset == 0.0);
}

}  // namespace

TEST_CASE("onnx: GroupNormalization (opset 18 per group, opset 21 per channel) is one groupnorm", "[onnx][groupnorm]") {
  const std::vector<double> scale_g = {1.25, 0.5}, bias_g = {0.1, -0.3};
  const std::vector<double> gamma = {1.25, 1.25, 0.5, 0.5}, beta = {0.1, 0.1, -0.3, -0.3};
  OnnxImportOptions opt;
  opt.weight_scheme = WeightQuantScheme::robust(6);
  {
    OnnxBuilder b({1, 4, 2, 2}, 18);
    b.floats("s", {2}, scale_g);
    b.floats("b", {2}, bias_g);
    auto& n = b.node("GroupNormalization", {"x", "s", "b"}, {"g"}, "gn");
    OnnxBuilder::attr(n, "num_groups", 2);
    OnnxBuilder::attr_f(n, "epsilon", 0.001);
    b.node("Relu", {"g"}, {"y"}, "relu");
    b.output("y");
    check_same_groupnorm(load_onnx_network(b.save("gn18.onnx"), opt), groupnorm_doc(4, 2, 0.001, gamma, beta));
  }
  {
    const std::vector<double> gc = {1.5, -0.25, 0.75, 1.0}, bc = {0.2, 0.0, -0.1, 0.4};
    OnnxBuilder b({1, 4, 2, 2}, 21);
    b.floats("s", {4}, gc);
    b.floats("b", {4}, bc);
    auto& n = b.node("GroupNormalization", {"x", "s", "b"}, {"g"}, "gn");
    OnnxBuilder::attr(n, "num_groups", 2);
    b.node("Relu", {"g"}, {"y"}, "relu");
    b.output("y");
    check_same_groupnorm(load_onnx_network(b.save("gn21.onnx"), opt), groupnorm_doc(4, 2, 1e-5, gc, bc));
  }
}

TEST_CASE("onnx: PyTorch 1.13's decomposed GroupNorm (Reshape, InstanceNormalization, Reshape, Mul, Add)",
          "[onnx][groupnorm]") {
  const std::vector<double> gamma = {1.5, -0.25, 0.75, 1.0}, beta = {0.2, 0.0, -0.1, 0.4};
  OnnxBuilder b({1, 4, 2, 2});
  b.ints("shape", {3}, onnx::TensorProto::INT64, {0, 2, -1});
  b.floats("ones", {2}, {1.0, 1.0});
  b.floats("zeros", {2}, {0.0, 0.0});
  b.floats("gamma", {4}, gamma);
  b.floats("beta", {4, 1, 1}, beta);
  b.ints("axes", {2}, onnx::TensorProto::INT64, {1, 2});
  b.node("Reshape", {"x", "shape"}, {"r"}, "reshape1");
  auto& in = b.node("InstanceNormalization", {"r", "ones", "zeros"}, {"n"}, "inorm");
  OnnxBuilder::attr_f(in, "epsilon", 0.001);
  b.node("Shape", {"x"}, {"s"}, "shape_of_x");
  b.node("Reshape", {"n", "s"}, {"back"}, "reshape2");
  b.node("Unsqueeze", {"gamma", "axes"}, {"g3"}, "unsq");
  b.node("Mul", {"back", "g3"}, {"m"}, "mul");
  b.node("Add", {"m", "beta"}, {"a"}, "add");
  b.node("Relu", {"a"}, {"y"}, "relu");
  b.output("y");
  OnnxImportOptions opt;
  opt.weight_scheme = WeightQuantScheme::robust(6);
  const Network got = load_onnx_network(b.save("gn_torch.onnx"), opt);
  REQUIRE(got.layers.size() == 2);
  CHECK(got.layers[0].name == "add");
  Network want = groupnorm_doc(4, 2, 0.001, gamma, beta);
  want.layers[0].name = "add";
  check_same_groupnorm(got, want);
}

TEST_CASE("onnx: GroupNorm models that do not fit give one located error", "[onnx][groupnorm]") {
  SECTION("GroupNormalization before opset 18") {
    OnnxBuilder b({1, 4, 2, 2}, 17);
    b.floats("s", {2}, {1, 1});
    b.floats("b", {2}, {0, 0});
    auto& n = b.node("GroupNormalization", {"x", "s", "b"}, {"y"}, "gn");
    OnnxBuilder::attr(n, "num_groups", 2);
    b.output("y");
    require_onnx_error<ConfigError>(b, "gn17.onnx", {"node \"gn\" (GroupNormalization)", "opset 18"});
  }
  SECTION("num_groups does not divide the channels") {
    OnnxBuilder b({1, 4, 2, 2}, 18);
    b.floats("s", {3}, {1, 1, 1});
    b.floats("b", {3}, {0, 0, 0});
    auto& n = b.node("GroupNormalization", {"x", "s", "b"}, {"y"}, "gn");
    OnnxBuilder::attr(n, "num_groups", 3);
    b.output("y");
    require_onnx_error<ConfigError>(b, "gn_groups.onnx", {"node \"gn\"", "num_groups 3 does not divide"});
  }
  SECTION("InstanceNormalization outside the pattern") {
    OnnxBuilder b({1, 4, 2, 2});
    b.floats("s", {4}, {1, 1, 1, 1});
    b.floats("b", {4}, {0, 0, 0, 0});
    b.node("InstanceNormalization", {"x", "s", "b"}, {"y"}, "in");
    b.output("y");
    require_onnx_error<ConfigError>(b, "inorm.onnx", {"node \"in\" (InstanceNormalization)", "GroupNorm pattern"});
  }
}

TEST_CASE("onnx: QDQ model gives integer weights and activation scales exactly", "[onnx]") {
  OnnxBuilder b({1, 1, 3, 3});
  const std::vector<int64_t> codes = {-128, -3, 0, 5, 127, 9, -1, 2, 40, 1, 2, 3, -4, -5, -6, 7, 8, -9};
  b.ints("wq", {2, 1, 3, 3}, onnx::TensorProto::INT8, codes);
  b.floats("ws", {2}, {0.01, 0.02});
  b.ints("wz", {2}, onnx::TensorProto::INT8, {0, 3});
  b.ints("bq", {2}, onnx::TensorProto::INT32, {100, -8});
  b.floats("bs", {1}, {0.0005});
  b.floats("s_in", {}, {0.05});
  b.ints("z_in", {}, onnx::TensorProto::UINT8, {10});
  b.floats("s_out", {}, {0.1});
  b.ints("z_out", {}, onnx::TensorProto::INT8, {-128});  // int8 activation: codes + 128 in lvsim
  b.node("QuantizeLinear", {"x", "s_in", "z_in"}, {"xq"}, "q_in");
  b.node("DequantizeLinear", {"xq", "s_in", "z_in"}, {"xd"}, "dq_in");
  auto& dqw = b.node("DequantizeLinear", {"wq", "ws", "wz"}, {"w"}, "dq_w");
  OnnxBuilder::attr(dqw, "axis", 0);
  b.node("DequantizeLinear", {"bq", "bs"}, {"bias"}, "dq_b");
  b.node("Conv", {"xd", "w", "bias"}, {"c"}, "conv");
  b.node("Relu", {"c"}, {"r"}, "relu");
  b.node("QuantizeLinear", {"r", "s_out", "z_out"}, {"rq"}, "q_out");  // after the relu: passed back to conv
  b.node("DequantizeLinear", {"rq", "s_out", "z_out"}, {"y"}, "dq_out");
  b.output("y");
  const Network got = load_onnx_network(b.save("qdq.onnx"));
  REQUIRE_FALSE(needs_calibration(got));

  std::vector<int64_t> flat(codes.begin(), codes.end());
  const auto want = import_network(
      doc_with(
          {{"shape", {1, 3, 3}}, {"preprocess", {{"pixel_scale", 0.5}}}, {"quant", quant(double(0.05f), 10)}},
          {{{"name", "conv"},
            {"type", "conv2d"},
            {"input", "input"},
            {"out_channels", 2},
            {"kernel", {3, 3}},
            {"weight",
             {{"quantized",
               {{"bits", 8},
                {"storage", "twos_complement"},
                {"granularity", "per_channel"},
                {"scale", {double(0.01f), double(0.02f)}},
                {"zero_point", {0, 3}},
                {"codes", {{"dtype", "int8"}, {"shape", {2, 1, 3, 3}}, {"data", flat}}}}}}},
            {"bias", {{"dtype", "float64"}, {"shape", {2}}, {"data", {100 * double(0.0005f), -8 * double(0.0005f)}}}},
            {"output_quant", quant(double(0.1f), 0)}},
           {{"name", "relu"}, {"type", "relu"}, {"input", "conv"}}},
          "relu"),
      "want");
  require_same(got, want);
  // The QDQ bias codes come back: b / (s_in * s_w[o]) = 100 * 0.0005 / (0.05 * 0.01), -8 * 0.0005 / (0.05 * 0.02).
  CHECK(got.layers[0].bias == std::vector<int32_t>{100, -4});
}

TEST_CASE("onnx: the saved network of a QDQ model round-trips", "[onnx]") {
  OnnxBuilder b({1, 4, 1, 1});
  b.ints("wq", {3, 4}, onnx::TensorProto::UINT8, {0, 255, 128, 7, 9, 200, 100, 3, 50, 60, 70, 80});
  b.floats("ws", {}, {0.004});
  b.ints("wz", {}, onnx::TensorProto::UINT8, {128});
  b.floats("s", {}, {0.02});
  b.ints("z", {}, onnx::TensorProto::UINT8, {0});
  b.floats("so", {}, {0.3});
  b.ints("zo", {}, onnx::TensorProto::UINT8, {100});
  b.node("QuantizeLinear", {"x", "s", "z"}, {"xq"}, "");
  b.node("DequantizeLinear", {"xq", "s", "z"}, {"xd"}, "");
  b.node("DequantizeLinear", {"wq", "ws", "wz"}, {"w"}, "");
  b.node("Flatten", {"xd"}, {"f"}, "flat");
  auto& g = b.node("Gemm", {"f", "w"}, {"y"}, "fc");
  OnnxBuilder::attr(g, "transB", 1);
  b.node("QuantizeLinear", {"y", "so", "zo"}, {"yq"}, "");
  b.node("DequantizeLinear", {"yq", "so", "zo"}, {"yd"}, "");
  b.output("yd");
  const Network net = load_onnx_network(b.save("rt.onnx"));
  const std::string path = (network_test_dir() / "rt.json").string();
  save_network(net, path);
  const Network back = load_network(path);
  require_same(net, back);
  CHECK(export_network(net) == export_network(back));
  CHECK(net.layers[1].weight.stored[1] == 255);
  CHECK(net.layers[1].out_quant.zero_point == 100);
}

TEST_CASE("onnx: bad models give one located error", "[onnx]") {
  SECTION("truncated file") {
    OnnxBuilder b({1, 1, 2, 2});
    b.node("Relu", {"x"}, {"y"}, "r");
    b.output("y");
    std::string bytes = b.model().SerializeAsString();
    require_load_error<FormatError>(write_temp("trunc.onnx", bytes.substr(0, bytes.size() - 3)), {"ONNX"});
    require_load_error<FormatError>(write_temp("garbage.onnx", std::string("\xff\xff\xff not onnx")), {"ONNX"});
  }
  SECTION("unsupported operator names the node") {
    OnnxBuilder b({1, 1, 2, 2});
    b.node("Sigmoid", {"x"}, {"y"}, "squash");
    b.output("y");
    require_onnx_error<ConfigError>(b, "sigmoid.onnx", {"node \"squash\" (Sigmoid)", "unsupported operator Sigmoid"});
  }
  SECTION("dynamic input dimension") {
    OnnxBuilder b({1, 1, 2, 2});
    auto* d = b.model()
                  .mutable_graph()
                  ->mutable_input(0)
                  ->mutable_type()
                  ->mutable_tensor_type()
                  ->mutable_shape()
                  ->mutable_dim(2);
    d->set_dim_param("height");
    b.node("Relu", {"x"}, {"y"}, "r");
    b.output("y");
    require_onnx_error<ConfigError>(b, "dyn.onnx", {"input \"x\"", "dynamic", "height"});
  }
  SECTION("wrong opset") {
    OnnxBuilder b({1, 1, 2, 2}, 22);
    b.node("Relu", {"x"}, {"y"}, "r");
    b.output("y");
    require_onnx_error<ConfigError>(b, "opset.onnx", {"opset_import", "opset 22"});
  }
  SECTION("asymmetric pads") {
    OnnxBuilder b({1, 1, 4, 4});
    b.floats("w", {1, 1, 3, 3}, ramp(9, 0.1, 0.1));
    auto& c = b.node("Conv", {"x", "w"}, {"y"}, "c1");
    OnnxBuilder::attr(c, "pads", {0, 0, 1, 1});
    b.output("y");
    require_onnx_error<ConfigError>(b, "pads.onnx", {"node \"c1\" (Conv)", "asymmetric pads"});
  }
  SECTION("no preprocessing") {
    OnnxBuilder b({1, 1, 2, 2});
    b.model().clear_metadata_props();
    b.node("Relu", {"x"}, {"y"}, "r");
    b.output("y");
    require_onnx_error<ConfigError>(b, "nopre.onnx", {"preprocess", "--pixel-scale"});
  }
  SECTION("QDQ after a relu that differs from the conv's") {
    OnnxBuilder b({1, 1, 2, 2});
    b.floats("w", {1, 1, 1, 1}, {0.5});
    b.floats("s1", {}, {0.1});
    b.floats("s2", {}, {0.2});
    b.node("Conv", {"x", "w"}, {"c"}, "conv");
    b.node("QuantizeLinear", {"c", "s1"}, {"cq"}, "q1");
    b.node("DequantizeLinear", {"cq", "s1"}, {"cd"}, "dq1");
    b.node("Relu", {"cd"}, {"r"}, "relu");
    b.node("QuantizeLinear", {"r", "s2"}, {"rq"}, "q2");
    b.node("DequantizeLinear", {"rq", "s2"}, {"y"}, "dq2");
    b.output("y");
    require_onnx_error<ConfigError>(b, "qdq_relu.onnx", {"(QuantizeLinear)", "keep their input's quantization"});
  }
  SECTION("per-channel activation quantization") {
    OnnxBuilder b({1, 2, 1, 1});
    b.floats("s", {2}, {0.1, 0.2});
    b.ints("z", {2}, onnx::TensorProto::UINT8, {0, 0});
    b.node("QuantizeLinear", {"x", "s", "z"}, {"q"}, "q");
    b.output("q");
    require_onnx_error<ConfigError>(b, "pc_act.onnx", {"node \"q\" (QuantizeLinear)", "per-channel activation"});
  }
  SECTION("int32 weights do not fit") {
    OnnxBuilder b({1, 2, 1, 1});
    b.ints("wq", {1, 2}, onnx::TensorProto::INT32, {1000, 2});
    b.floats("ws", {}, {0.1});
    b.node("DequantizeLinear", {"wq", "ws"}, {"w"}, "dqw");
    b.node("Flatten", {"x"}, {"f"}, "flat");
    auto& g = b.node("Gemm", {"f", "w"}, {"y"}, "fc");
    OnnxBuilder::attr(g, "transB", 1);
    b.output("y");
    require_onnx_error<ConfigError>(b, "w32.onnx", {"node \"fc\" (Gemm)", "int8 or uint8"});
  }
}

}  // namespace lvsim::test
