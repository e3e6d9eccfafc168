// The groupnorm layer of the network format (docs/model-format.md, "Group norm"): float parameters
// quantized as two tensors, quantized parameters as given, the export (quantized codes) reloading
// to the same bytes, and every rejected field with its location.
#include <catch2/catch.hpp>

#include "test_network_json_support.h"
#include "workloads/network/quantization.h"
#include "workloads/network/weight_requantization.h"

namespace lvsim::test {
namespace {

nlohmann::json floats(const std::vector<double>& v) {
  return {{"dtype", "float64"}, {"shape", {int64_t(v.size())}}, {"data", v}};
}

nlohmann::json quantized_param(double scale, int zp, const std::vector<int>& codes) {
  return {{"quantized",
           {{"bits", 4},
            {"storage", "twos_complement"},
            {"granularity", "per_tensor"},
            {"scale", {scale}},
            {"zero_point", {zp}},
            {"codes", {{"dtype", "int8"}, {"shape", {int64_t(codes.size())}}, {"data", codes}}}}}};
}

/// input 4x3x3 -> groupnorm (2 groups) -> relu, every quantization given.
nlohmann::json gn_doc(nlohmann::json gamma, nlohmann::json beta) {
  nlohmann::json gn = {{"name", "gn"},   {"type", "groupnorm"}, {"input", "input"},
                       {"groups", 2},    {"eps", 1e-3},         {"gamma_offset", 1.0},
                       {"gamma", gamma}, {"beta", beta},        {"output_quant", quant(0.05, 100)}};
  return {{"format", "lvsim-network"},
          {"version", 1},
          {"input", {{"shape", {4, 3, 3}}, {"quant", quant(0.02, 10)}}},
          {"weight_quantization", {{"bits", 6}, {"symmetry", "asymmetric"}}},
          {"layers", {gn, {{"name", "relu"}, {"type", "relu"}, {"input", "gn"}}}}};
}

}  // namespace

TEST_CASE("groupnorm format: float gamma and beta are quantized as two tensors", "[groupnorm][network_json]") {
  const std::vector<double> gamma = {0.9, 1.1, 1.05, 0.95}, beta = {-0.2, 0.1, 0.3, 0.0};
  const Network net =
      load_network(write_temp("gn_float.json", gn_doc({{"float", floats(gamma)}}, {{"float", floats(beta)}})));
  const Layer& L = net.layers.at(0);
  REQUIRE(L.type == LayerType::GroupNorm);
  CHECK(L.groups == 2);
  CHECK(L.norm.eps == 1e-3);
  CHECK(L.norm.gamma_offset == 1.0);
  const WeightTensor g = quantize_weights(gamma, 1, WeightQuantScheme::robust(6));
  const WeightTensor b = quantize_weights(beta, 1, WeightQuantScheme::robust(6));
  CHECK(L.weight.out_channels == 2);
  CHECK(L.weight.per_out == 4);
  CHECK(L.weight.bits == 6);
  std::vector<uint8_t> both = g.stored;
  both.insert(both.end(), b.stored.begin(), b.stored.end());
  CHECK(L.weight.stored == both);
  CHECK(L.weight.scale == std::vector<double>{g.scale[0], b.scale[0]});
  // gamma's range [0.9, 1.1] does not contain 0: its zero point lies outside the 6-bit codes.
  CHECK(L.weight.zero_point == std::vector<int32_t>{g.zero_point[0], b.zero_point[0]});
  CHECK(g.zero_point[0] < 0);
  CHECK(net.total_weights() == 8);
}

TEST_CASE("groupnorm format: export writes quantized codes that reload to the same bytes",
          "[groupnorm][network_json]") {
  const auto doc =
      GENERATE(gn_doc({{"float", floats({0.9, 1.1, 1.05, 0.95})}}, {{"float", floats({-0.2, 0.1, 0.3, 0.0})}}),
               gn_doc(quantized_param(0.01, -300, {-8, 7, 0, 3}), quantized_param(0.02, 1, {1, -2, 5, 0})));
  const Network a = load_network(write_temp("gn_rt.json", doc));
  const nlohmann::json exported = export_network(a);
  const Network b = load_network(write_temp("gn_rt2.json", exported));
  CHECK(export_network(b).dump() == exported.dump());
  const Layer &x = a.layers[0], &y = b.layers[0];
  CHECK(y.type == LayerType::GroupNorm);
  CHECK(x.weight.stored == y.weight.stored);
  CHECK(x.weight.scale == y.weight.scale);
  CHECK(x.weight.zero_point == y.weight.zero_point);
  CHECK(x.weight.storage == y.weight.storage);
  CHECK((x.norm.eps == y.norm.eps && x.norm.gamma_offset == y.norm.gamma_offset));
  CHECK((x.norm.eps_term == y.norm.eps_term && x.norm.offset_term == y.norm.offset_term &&
         x.norm.beta_multiplier == y.norm.beta_multiplier &&
         x.norm.gamma_requant.multiplier == y.norm.gamma_requant.multiplier));
  CHECK(exported["layers"][0]["gamma"]["quantized"]["granularity"] == "per_tensor");
}

TEST_CASE("groupnorm format: bad fields give one located error", "[groupnorm][network_json]") {
  const nlohmann::json g = {{"float", floats({0.9, 1.1, 1.05, 0.95})}}, b = {{"float", floats({0, 0.1, 0.2, 0.3})}};
  auto doc = gn_doc(g, b);
  auto& gn = doc["layers"][0];
  SECTION("groups") {
    gn["groups"] = 3;
    require_load_error<ConfigError>(write_temp("gn_bad.json", doc), {"layers[0].groups", "3 does not divide the 4"});
  }
  SECTION("eps") {
    gn["eps"] = 0;
    require_load_error<ConfigError>(write_temp("gn_bad.json", doc), {"layers[0].eps", "must be > 0"});
  }
  SECTION("missing eps") {
    gn.erase("eps");
    require_load_error<ConfigError>(write_temp("gn_bad.json", doc), {"layers[0]", "eps"});
  }
  SECTION("gamma shape") {
    gn["gamma"] = {{"float", floats({1, 1, 1})}};
    require_load_error<ConfigError>(write_temp("gn_bad.json", doc), {"layers[0].gamma.float.shape", "4 channels"});
  }
  SECTION("both float and quantized") {
    gn["beta"]["quantized"] = quantized_param(0.1, 0, {0, 0, 0, 0})["quantized"];
    require_load_error<ConfigError>(write_temp("gn_bad.json", doc), {"layers[0].beta", "exactly one"});
  }
  SECTION("per_channel quantized") {
    gn["beta"] = quantized_param(0.1, 0, {0, 0, 0, 0});
    gn["gamma"] = quantized_param(0.1, 0, {0, 0, 0, 0});
    gn["beta"]["quantized"]["granularity"] = "per_channel";
    require_load_error<ConfigError>(write_temp("gn_bad.json", doc),
                                    {"layers[0].beta.quantized.granularity", "per_tensor"});
  }
  SECTION("different bits") {
    gn["gamma"] = quantized_param(0.1, 0, {0, 0, 0, 0});
    gn["beta"] = quantized_param(0.1, 0, {0, 0, 0, 0});
    gn["beta"]["quantized"]["bits"] = 5;
    require_load_error<ConfigError>(write_temp("gn_bad.json", doc), {"layers[0].beta", "same bits and storage"});
  }
  SECTION("weight_quantization with quantized parameters") {
    gn["gamma"] = quantized_param(0.1, 0, {0, 0, 0, 0});
    gn["beta"] = quantized_param(0.1, 0, {0, 0, 0, 0});
    gn["weight_quantization"] = {{"bits", 4}};
    require_load_error<ConfigError>(write_temp("gn_bad.json", doc), {"layers[0].weight_quantization", "float"});
  }
  SECTION("float parameters without a scheme") {
    doc.erase("weight_quantization");
    require_load_error<ConfigError>(write_temp("gn_bad.json", doc), {"layers[0].gamma.float", "weight_quantization"});
  }
  SECTION("an asymmetric range too narrow for its distance from 0") {
    gn["gamma"] = {{"float", floats({1.0, 1.0 + 1e-9, 1.0, 1.0})}};
    require_load_error<ConfigError>(write_temp("gn_bad.json", doc), {"layers[0].gamma.float", "too narrow"});
  }
  SECTION("unknown key") {
    gn["kernel"] = {1, 1};
    require_load_error<ConfigError>(write_temp("gn_bad.json", doc), {"layers[0]", "kernel"});
  }
  SECTION("eps too large for the input scale (finalize)") {
    gn["eps"] = 1e30;
    require_load_error<ConfigError>(write_temp("gn_bad.json", doc), {"layers[gn].eps", "2^62"});
  }
  SECTION("output scale out of reach of the gamma scale (finalize)") {
    gn["output_quant"] = quant(1e-30, 0);
    require_load_error<ConfigError>(write_temp("gn_bad.json", doc), {"layers[gn].output_quant", "gamma scale"});
  }
}

TEST_CASE("groupnorm: weight_bits re-quantizes gamma and beta as two tensors", "[groupnorm][network_json]") {
  const std::vector<double> gamma = {0.9, 1.1, 1.05, 0.95}, beta = {-0.2, 0.1, 0.3, 0.0};
  Network net = load_network(write_temp("gn_rq.json", gn_doc({{"float", floats(gamma)}}, {{"float", floats(beta)}})));
  const Layer before = net.layers[0];
  requantize_weights(net, 3);
  const Layer& L = net.layers[0];
  CHECK(L.weight.bits == 3);
  // Each row its own range: the robust 3-bit quantization of that row's values as held before.
  for (int row = 0; row < 2; ++row) {
    std::vector<double> held(4);
    for (int i = 0; i < 4; ++i) held[size_t(i)] = dequantize_weight(before.weight, row * 4 + i);
    WeightQuantScheme s = WeightQuantScheme::robust(3);
    s.storage = before.weight.storage;
    const WeightTensor want = quantize_weights(held, 1, s);
    CHECK(std::vector<uint8_t>(L.weight.stored.begin() + row * 4, L.weight.stored.begin() + row * 4 + 4) ==
          want.stored);
    CHECK(L.weight.scale[size_t(row)] == want.scale[0]);
    CHECK(L.weight.zero_point[size_t(row)] == want.zero_point[0]);
  }
  CHECK(L.weight.scale[0] != L.weight.scale[1]);
  CHECK(L.norm.gamma_requant.multiplier > 0);  // finalized again
}

}  // namespace lvsim::test
