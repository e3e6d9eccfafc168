// Import of lvsim-network files: shapes, MACs, decoded codes, float-weight quantization, batch-norm
// folding, requantization constants. Expected values are worked out by hand in the comments.
#include <catch2/catch.hpp>

#include <cmath>

#include "test_network_json_support.h"
#include "workloads/import/network_loader.h"
#include "workloads/network/network_finalize.h"
#include "workloads/network/network_json.h"

using nlohmann::json;

namespace lvsim {
namespace {

using test::quant;
using test::write_temp;

std::vector<int> iota_mod(int n, int mul, int mod, int offset = 0) {
  std::vector<int> v;
  for (int i = 0; i < n; ++i) v.push_back((i * mul) % mod + offset);
  return v;
}

json quantized(int bits, const char* storage, const char* gran, json scale, json zp, const char* dtype,
               std::vector<int64_t> shape, json data) {
  return {{"quantized",
           {{"bits", bits},
            {"storage", storage},
            {"granularity", gran},
            {"scale", scale},
            {"zero_point", zp},
            {"codes", {{"dtype", dtype}, {"shape", shape}, {"data", data}}}}}};
}

// 1x8x8 input -> conv 3x3 pad 1 (4x8x8) -> relu -> maxpool 2 (4x4x4) -> grouped conv 2x2, groups 2
// (4x3x3) -> flatten (36) -> linear (3).
json small_cnn() {
  json layers = json::array();
  layers.push_back(
      {{"name", "conv1"},
       {"type", "conv2d"},
       {"input", "input"},
       {"out_channels", 4},
       {"kernel", {3, 3}},
       {"padding", {1, 1}},
       {"weight", quantized(4, "unsigned", "per_tensor", {0.25}, {8}, "uint8", {4, 1, 3, 3}, iota_mod(36, 1, 16))},
       {"output_quant", quant(0.25, 3)}});
  layers.push_back({{"name", "relu1"}, {"type", "relu"}, {"input", "conv1"}});
  layers.push_back({{"name", "pool1"}, {"type", "maxpool2d"}, {"input", "relu1"}, {"kernel", {2, 2}}});
  layers.push_back({{"name", "conv2"},
                    {"type", "conv2d"},
                    {"input", "pool1"},
                    {"out_channels", 4},
                    {"kernel", {2, 2}},
                    {"groups", 2},
                    {"weight", quantized(4, "twos_complement", "per_channel", {0.1, 0.2, 0.3, 0.4}, {0, 0, 1, -1},
                                         "int8", {4, 2, 2, 2}, iota_mod(32, 3, 16, -8))},
                    {"output_quant", quant(0.5, 10)}});
  layers.push_back({{"name", "flat"}, {"type", "flatten"}, {"input", "conv2"}});
  layers.push_back(
      {{"name", "fc"},
       {"type", "linear"},
       {"input", "flat"},
       {"out_features", 3},
       {"weight", quantized(8, "unsigned", "per_tensor", {0.01}, {128}, "uint8", {3, 36}, iota_mod(108, 7, 256))},
       {"bias", {{"dtype", "int32"}, {"shape", {3}}, {"data", {1, -2, 3}}}},
       {"output_quant", quant(0.125, 100)}});
  return {{"format", "lvsim-network"}, {"version", 1},
          {"name", "small"},           {"input", {{"shape", {1, 8, 8}}, {"quant", quant(0.5, 0)}}},
          {"layers", layers},          {"output", "fc"}};
}

TEST_CASE("network_json: shapes and MACs of a small CNN", "[network_json]") {
  const Network net = load_network(write_temp("small.json", small_cnn()));
  REQUIRE(net.layers.size() == 6);
  CHECK(net.name == "small");
  CHECK(net.output == 5);
  CHECK(net.input_shape == Shape{1, 8, 8});
  CHECK(net.layers[0].out_shape == Shape{4, 8, 8});  // (8 + 2 - 3) / 1 + 1 = 8
  CHECK(net.layers[1].out_shape == Shape{4, 8, 8});
  CHECK(net.layers[2].out_shape == Shape{4, 4, 4});  // (8 - 2) / 2 + 1 = 4
  CHECK(net.layers[2].stride_h == 2);                // stride defaults to the kernel
  CHECK(net.layers[3].in_shape == Shape{4, 4, 4});
  CHECK(net.layers[3].out_shape == Shape{4, 3, 3});  // (4 - 2) / 1 + 1 = 3
  CHECK(net.layers[4].out_shape == Shape{36, 1, 1});
  CHECK(net.layers[5].in_shape == Shape{36, 1, 1});
  CHECK(net.layers[5].out_shape == Shape{3, 1, 1});
  CHECK(net.layers[3].inputs == std::vector<int>{2});
  CHECK(net.layers[0].inputs == std::vector<int>{-1});
  // conv1: 64 pixels x 9 x 4 = 2304; conv2: 9 pixels x (2 x 2 x 2) x 4 = 288; fc: 36 x 3 = 108.
  CHECK(net.layers[0].macs() == 2304);
  CHECK(net.layers[3].macs() == 288);
  CHECK(net.layers[5].macs() == 108);
  CHECK(net.total_macs() == 2700);
  CHECK(net.total_weights() == 36 + 32 + 108);
  CHECK_FALSE(needs_calibration(net));
  // relu/pool/flatten keep their input's quantization; in_quant follows the graph.
  CHECK(net.layers[1].in_quant.scale == 0.25);
  CHECK(net.layers[2].out_quant.zero_point == 3);
  CHECK(net.layers[3].in_quant.zero_point == 3);
  CHECK(net.layers[5].in_quant.scale == 0.5);
  CHECK(net.layers[0].bias == std::vector<int32_t>{0, 0, 0, 0});
  CHECK(net.layers[5].bias == std::vector<int32_t>{1, -2, 3});
}

TEST_CASE("network_json: decoded codes, inline nested and base64", "[network_json]") {
  json doc = small_cnn();
  const Network net = load_network(write_temp("codes.json", doc));
  const auto& w1 = net.layers[0].weight;
  CHECK(w1.bits == 4);
  CHECK(w1.storage == WeightStorage::Unsigned);
  CHECK(w1.stored[0] == 0);
  CHECK(w1.stored[15] == 15);
  CHECK(w1.stored[17] == 1);  // 17 % 16
  CHECK(w1.scale == std::vector<double>{0.25, 0.25, 0.25, 0.25});
  CHECK(w1.zero_point == std::vector<int32_t>{8, 8, 8, 8});
  CHECK(w1.per_out == 9);
  const auto& w2 = net.layers[3].weight;
  // codes 3i % 16 - 8: i = 0 -> -8 (pattern 1000b = 8), i = 1 -> -5 (1011b = 11), i = 3 -> 1.
  CHECK(w2.stored[0] == 8);
  CHECK(w2.decode(w2.stored[0]) == -8);
  CHECK(w2.stored[1] == 11);
  CHECK(w2.decode(w2.stored[1]) == -5);
  CHECK(w2.decode(w2.stored[3]) == 1);
  CHECK(w2.zero_point == std::vector<int32_t>{0, 0, 1, -1});
  CHECK(w2.scale[3] == 0.4);

  // The same codes as a nested array and as base64 int8 (FF 02 F8 07 -> "/wL4Bw==").
  json small = {
      {"format", "lvsim-network"},
      {"version", 1},
      {"input", {{"shape", {2, 1, 1}}, {"quant", quant(1.0, 0)}}},
      {"layers",
       {{{"name", "fc"},
         {"type", "linear"},
         {"input", "input"},
         {"out_features", 2},
         {"weight", quantized(4, "twos_complement", "per_tensor", {0.5}, {0}, "int8", {2, 2}, json{{-1, 2}, {-8, 7}})},
         {"output_quant", quant(1.0, 0)}}}}};
  const Network nested = load_network(write_temp("nested.json", small));
  CHECK(nested.layers[0].weight.stored == std::vector<uint8_t>{15, 2, 8, 7});
  small["layers"][0]["weight"]["quantized"]["codes"] = {{"dtype", "int8"}, {"shape", {2, 2}}, {"base64", "/wL4Bw=="}};
  const Network b64 = load_network(write_temp("b64.json", small));
  CHECK(b64.layers[0].weight.stored == std::vector<uint8_t>{15, 2, 8, 7});
  CHECK(nested.name == "nested");  // default name: the file name without extension
}

json one_linear(json weight, json extra = json::object()) {
  json fc = {{"name", "fc"},      {"type", "linear"}, {"input", "input"},
             {"out_features", 2}, {"weight", weight}, {"output_quant", quant(0.25, 0)}};
  fc.update(extra);
  return {{"format", "lvsim-network"},
          {"version", 1},
          {"input", {{"shape", {2, 1, 1}}, {"quant", quant(0.5, 0)}}},
          {"layers", {fc}}};
}

TEST_CASE("network_json: float weights quantized by the robust scheme", "[network_json]") {
  // 4-bit, per tensor, asymmetric, unsigned: q = 7; lo = -0.1, hi = 0.5, mid = 0.2, half = 0.3,
  // delta = 1.001 / 7; code = round(((w - 0.2) / 0.3) / delta):
  // 0.3 -> 2.331 -> 2; -0.1 -> -6.993 -> -7; 0.5 -> 6.993 -> 7; 0.1 -> -2.331 -> -2.
  // Stored = code + 8 = 10, 1, 15, 6. scale = 0.3 * 1.001 / 7; z = -round(0.2 / scale) = -round(4.662) = -5,
  // stored zero point 3.
  json doc = one_linear({{"float", {{"dtype", "float64"}, {"shape", {2, 2}}, {"data", {0.3, -0.1, 0.5, 0.1}}}}});
  doc["weight_quantization"] = {{"bits", 4}};
  const Network net = load_network(write_temp("float_robust.json", doc));
  const auto& w = net.layers[0].weight;
  CHECK(w.stored == std::vector<uint8_t>{10, 1, 15, 6});
  CHECK(w.zero_point == std::vector<int32_t>{3, 3});
  CHECK(w.scale[0] == Approx(0.3 * 1.001 / 7).epsilon(1e-12));
  CHECK(w.scale[1] == w.scale[0]);
  CHECK_FALSE(w.per_channel);
}

TEST_CASE("network_json: per-layer symmetric per-channel two's-complement scheme", "[network_json]") {
  // Row 0 [0.3, -0.1]: q_max = 0.301, delta = 0.301 / 7: 0.3 -> 6.977 -> 7; -0.1 -> -2.326 -> -2 (1110b = 14).
  // Row 1 [0.5, 0.1]: q_max = 0.501, delta = 0.501 / 7: 0.5 -> 6.986 -> 7; 0.1 -> 1.397 -> 1.
  json doc = one_linear(
      {{"float", {{"dtype", "float64"}, {"shape", {2, 2}}, {"data", {{0.3, -0.1}, {0.5, 0.1}}}}}},
      {{"weight_quantization",
        {{"bits", 4}, {"granularity", "per_channel"}, {"symmetry", "symmetric"}, {"storage", "twos_complement"}}}});
  doc["weight_quantization"] = {{"bits", 8}};  // overridden by the layer's scheme
  const Network net = load_network(write_temp("float_sym.json", doc));
  const auto& w = net.layers[0].weight;
  CHECK(w.bits == 4);
  CHECK(w.storage == WeightStorage::TwosComplement);
  CHECK(w.stored == std::vector<uint8_t>{7, 14, 7, 1});
  CHECK(w.zero_point == std::vector<int32_t>{0, 0});
  CHECK(w.scale[0] == Approx(0.301 / 7).epsilon(1e-12));
  CHECK(w.scale[1] == Approx(0.501 / 7).epsilon(1e-12));
}

TEST_CASE("network_json: float32 base64 weights and float bias", "[network_json]") {
  // float32 LE of 0.5, -0.25, 1.0, -1.0. Robust 4-bit: mid = 0, half = 1, delta = 1.001 / 7:
  // 0.5 -> 3.497 -> 3; -0.25 -> -1.748 -> -2; 1 -> 6.993 -> 7; -1 -> -7; stored +8 = 11, 6, 15, 1, z = 8.
  json doc = one_linear({{"float", {{"dtype", "float32"}, {"shape", {2, 2}}, {"base64", "AAAAPwAAgL4AAIA/AACAvw=="}}}},
                        {{"bias", {{"dtype", "float32"}, {"shape", {2}}, {"data", {0.5, -0.75}}}}});
  doc["weight_quantization"] = {{"bits", 4}};
  const Network net = load_network(write_temp("float_b64.json", doc));
  const auto& l = net.layers[0];
  CHECK(l.weight.stored == std::vector<uint8_t>{11, 6, 15, 1});
  CHECK(l.weight.zero_point[0] == 8);
  CHECK(l.bias_real == std::vector<double>{0.5, -0.75});
  // bias_q = round(b / (s_in * scale)) = round(0.5 / (0.5 * 1.001 / 7)) = round(6.993) = 7;
  // round(-0.75 / (0.5 * 1.001 / 7)) = round(-10.49) = -10.
  CHECK(l.bias == std::vector<int32_t>{7, -10});
}

TEST_CASE("network_json: batchnorm2d folded into the preceding conv", "[network_json]") {
  // conv 1 -> 2 channels, 1x1 kernel, w = [2, -1], b = [0.5, 0]; BN eps = 1, var = [3, 0] -> sqrt = [2, 1],
  // gamma = [4, 3] -> factor f = [2, 3]; mean = [1, -1], beta = [0.1, -0.2].
  // w' = w * f = [4, -3]; b' = (b - mean) * f + beta = [-0.9, 2.8].
  auto f64 = [](json data) { return json{{"dtype", "float64"}, {"shape", {2}}, {"data", data}}; };
  json doc = {{"format", "lvsim-network"},
              {"version", 1},
              {"input", {{"shape", {1, 2, 2}}, {"quant", quant(0.5, 0)}}},
              {"weight_quantization", {{"bits", 8}, {"granularity", "per_channel"}, {"symmetry", "symmetric"}}},
              {"layers",
               {{{"name", "conv"},
                 {"type", "conv2d"},
                 {"input", "input"},
                 {"out_channels", 2},
                 {"kernel", {1, 1}},
                 {"weight", {{"float", {{"dtype", "float64"}, {"shape", {2, 1, 1, 1}}, {"data", {2.0, -1.0}}}}}},
                 {"bias", f64({0.5, 0.0})}},
                {{"name", "bn"},
                 {"type", "batchnorm2d"},
                 {"input", "conv"},
                 {"mean", f64({1.0, -1.0})},
                 {"var", f64({3.0, 0.0})},
                 {"gamma", f64({4.0, 3.0})},
                 {"beta", f64({0.1, -0.2})},
                 {"eps", 1.0},
                 {"output_quant", quant(0.125, 0)}},
                {{"name", "relu"}, {"type", "relu"}, {"input", "bn"}}}},
              {"output", "bn"}};
  const Network net = load_network(write_temp("bn.json", doc));
  REQUIRE(net.layers.size() == 2);
  CHECK(net.layers[1].inputs == std::vector<int>{0});
  CHECK(net.output == 0);
  const auto& c = net.layers[0];
  CHECK(c.name == "conv");
  CHECK(c.out_quant_given);
  CHECK(c.out_quant.scale == 0.125);
  REQUIRE(c.bias_real.size() == 2);
  CHECK(c.bias_real[0] == Approx(-0.9).epsilon(1e-12));
  CHECK(c.bias_real[1] == Approx(2.8).epsilon(1e-12));
  // Symmetric 8-bit per channel: q_max = 4.001 and 3.001, codes round(4 / (4.001 / 127)) = 127 and -127.
  CHECK(c.weight.scale[0] == Approx(4.001 / 127).epsilon(1e-12));
  CHECK(c.weight.scale[1] == Approx(3.001 / 127).epsilon(1e-12));
  // Unsigned storage (the default): patterns code + 128, zero point 128.
  CHECK(c.weight.stored == std::vector<uint8_t>{255, 1});
  CHECK(c.weight.zero_point == std::vector<int32_t>{128, 128});
  // bias_q = round(-0.9 / (0.5 * 4.001 / 127)) = round(-57.136) = -57; round(2.8 / (0.5 * 3.001 / 127)) = 237.
  CHECK(c.bias == std::vector<int32_t>{-57, 237});
}

TEST_CASE("network_json: requantization multipliers of known ratios", "[network_json]") {
  // s_in = 0.5, weight scales 0.25 / 0.375 / 1.5, s_out = 0.25: ratios 0.5, 0.75, 3.
  // 0.5 = 0.5 * 2^0 -> M = 2^30, shift 31; 0.75 = 0.75 * 2^0 -> M = 0.75 * 2^31 = 1610612736, shift 31;
  // 3 = 0.75 * 2^2 -> M = 1610612736, shift 29.
  json doc = {{"format", "lvsim-network"},
              {"version", 1},
              {"input", {{"shape", {1, 1, 1}}, {"quant", quant(0.5, 0)}}},
              {"layers",
               {{{"name", "fc"},
                 {"type", "linear"},
                 {"input", "input"},
                 {"out_features", 3},
                 {"weight", quantized(8, "unsigned", "per_channel", {0.25, 0.375, 1.5}, {128, 128, 128}, "uint8",
                                      {3, 1}, {1, 2, 3})},
                 {"output_quant", quant(0.25, 0)}},
                {{"name", "fc2"},
                 {"type", "linear"},
                 {"input", "input"},
                 {"out_features", 1},
                 {"weight", quantized(8, "unsigned", "per_tensor", {0.5}, {128}, "uint8", {1, 1}, {1})},
                 {"output_quant", quant(1.0, 0)}},
                // add of fc2 (scale 1) with itself into s_out = 2: r = 0.5 -> shift 31, M = 0.5 * 2^31 = 2^30 each.
                {{"name", "sum"}, {"type", "add"}, {"input", {"fc2", "fc2"}}, {"output_quant", quant(2.0, 0)}}}}};
  const Network net = load_network(write_temp("requant.json", doc));
  const auto& rq = net.layers[0].requant;
  REQUIRE(rq.size() == 3);
  CHECK(rq[0].multiplier == (int64_t(1) << 30));
  CHECK(rq[0].shift == 31);
  CHECK(rq[1].multiplier == 1610612736);
  CHECK(rq[1].shift == 31);
  CHECK(rq[2].multiplier == 1610612736);
  CHECK(rq[2].shift == 29);
  const auto& add = net.layers[2];
  CHECK(add.add_shift == 31);
  CHECK(add.add_multiplier == std::vector<int64_t>{int64_t(1) << 30, int64_t(1) << 30});  // both 1.0 / 2
  CHECK(add.in_quant.scale == 1.0);
}

TEST_CASE("network_json: add of unequal scales and preprocessing constants", "[network_json]") {
  // Input scale 0.25 (a) and fc (scale 1.0): s_out = 2 -> r = 0.125 and 0.5; shift from 0.5 is 31,
  // M = 0.125 * 2^31 = 2^28 and 0.5 * 2^31 = 2^30.
  json doc = {{"format", "lvsim-network"},
              {"version", 1},
              {"input",
               {{"shape", {1, 1, 1}},
                {"preprocess", {{"pixel_scale", 0.5}, {"mean", {1.0}}, {"std", {2.0}}}},
                {"quant", quant(0.25, 3)}}},
              {"layers",
               {{{"name", "fc"},
                 {"type", "linear"},
                 {"input", "input"},
                 {"out_features", 1},
                 {"weight", quantized(8, "unsigned", "per_tensor", {0.5}, {128}, "uint8", {1, 1}, {1})},
                 {"output_quant", quant(1.0, 0)}},
                {{"name", "sum"}, {"type", "add"}, {"input", {"input", "fc"}}, {"output_quant", quant(2.0, 0)}}}}};
  const Network net = load_network(write_temp("add.json", doc));
  CHECK(net.layers[1].add_shift == 31);
  CHECK(net.layers[1].add_multiplier == std::vector<int64_t>{int64_t(1) << 28, int64_t(1) << 30});
  // D = std * s_in = 0.5: M = (0.5 / 0.5) * 2^24, B = (-1 / 0.5) * 2^24 = -2^25.
  CHECK(net.preprocess.multiplier == std::vector<int64_t>{int64_t(1) << 24});
  CHECK(net.preprocess.offset == std::vector<int64_t>{-(int64_t(1) << 25)});
}

TEST_CASE("network_json: missing quantizations leave the network for calibration", "[network_json]") {
  json doc = small_cnn();
  doc["input"].erase("quant");
  doc["layers"][3].erase("output_quant");
  const Network net = load_network(write_temp("calib.json", doc));
  CHECK(needs_calibration(net));
  CHECK_FALSE(net.input_quant_given);
  CHECK(net.layers[0].out_quant_given);
  CHECK_FALSE(net.layers[3].out_quant_given);
  CHECK(net.layers[0].requant.empty());  // not finalized
  Network calibrated = net;
  calibrated.input_quant = ActivationQuant{0.5, 0};
  calibrated.layers[3].out_quant = ActivationQuant{0.5, 10};
  finalize_network(calibrated);
  const Network full = load_network(write_temp("full.json", small_cnn()));
  CHECK(calibrated.layers[3].requant.size() == 4);
  for (size_t o = 0; o < 4; ++o) {
    CHECK(calibrated.layers[3].requant[o].multiplier == full.layers[3].requant[o].multiplier);
    CHECK(calibrated.layers[3].requant[o].shift == full.layers[3].requant[o].shift);
  }
}

}  // namespace
}  // namespace lvsim
