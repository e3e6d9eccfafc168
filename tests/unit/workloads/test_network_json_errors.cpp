// Invalid network files: each is rejected with the right error type and a message naming the file
// and the field.
#include <catch2/catch.hpp>

#include "test_network_json_support.h"
#include "workloads/import/network_loader.h"
#include "workloads/network/network_json.h"

using nlohmann::json;

namespace lvsim {
namespace {

using test::quant;
using test::require_load_error;
using test::write_temp;

json float_tensor(std::vector<int64_t> shape, json data) {
  return {{"dtype", "float32"}, {"shape", shape}, {"data", data}};
}

// input 1x4x4 -> conv 2 ch 3x3 (2x2x2) -> relu -> flatten (8) -> linear 2; float weights.
json base() {
  return {{"format", "lvsim-network"},
          {"version", 1},
          {"input", {{"shape", {1, 4, 4}}, {"quant", quant(0.1, 0)}}},
          {"weight_quantization", {{"bits", 8}}},
          {"layers",
           {{{"name", "conv"},
             {"type", "conv2d"},
             {"input", "input"},
             {"out_channels", 2},
             {"kernel", {3, 3}},
             {"weight", {{"float", float_tensor({2, 1, 3, 3}, std::vector<double>(18, 0.1))}}},
             {"output_quant", quant(0.1, 0)}},
            {{"name", "relu"}, {"type", "relu"}, {"input", "conv"}},
            {{"name", "flat"}, {"type", "flatten"}, {"input", "relu"}},
            {{"name", "fc"},
             {"type", "linear"},
             {"input", "flat"},
             {"out_features", 2},
             {"weight", {{"float", float_tensor({2, 8}, std::vector<double>(16, -0.2))}}},
             {"output_quant", quant(0.1, 0)}}}}};
}

json quantized_fc(json q_overrides) {
  json q = {{"bits", 4},
            {"storage", "unsigned"},
            {"granularity", "per_tensor"},
            {"scale", {0.1}},
            {"zero_point", {8}},
            {"codes", {{"dtype", "uint8"}, {"shape", {2, 8}}, {"data", std::vector<int>(16, 3)}}}};
  q.update(q_overrides);
  return {{"quantized", q}};
}

TEST_CASE("network_json errors: the base network loads", "[network_json]") {
  CHECK(load_network(write_temp("base.json", base())).layers.size() == 4);
  json doc = base();
  doc["layers"][3]["weight"] = quantized_fc(json::object());
  CHECK(load_network(write_temp("base_q.json", doc)).layers[3].weight.stored[0] == 3);
}

TEST_CASE("network_json errors: missing file", "[network_json]") {
  const std::string path = (test::network_test_dir() / "does_not_exist.json").string();
  require_load_error<ConfigError>(path, {"cannot open"});
}

TEST_CASE("network_json errors: malformed JSON names the byte position", "[network_json]") {
  // The second comma is the 37th character: nlohmann reports the 1-based count of characters read.
  const std::string text = R"({"format": "lvsim-network", "version",, 1})";
  REQUIRE(text[37] == ',');
  require_load_error<FormatError>(write_temp("malformed.json", text), {"malformed JSON", "byte 38"});
  // After a base64 payload (cut out before parsing) the position is still the file's byte.
  const std::string text2 = R"({"format": "lvsim-network", "x": {"base64": "QUJDRA=="},, "version": 1})";
  const size_t second_comma = text2.find(",,") + 1;
  REQUIRE(second_comma == 56);
  require_load_error<FormatError>(write_temp("malformed2.json", text2), {"malformed JSON", "byte 57"});
}

TEST_CASE("network_json errors: unknown layer type names the index and the type", "[network_json]") {
  json doc = base();
  doc["layers"][1]["type"] = "conv3d";
  require_load_error<ConfigError>(write_temp("type.json", doc), {"layers[1].type", "conv3d"});
}

TEST_CASE("network_json errors: unknown keys anywhere", "[network_json]") {
  json doc = base();
  doc["layers"][0]["paddding"] = {1, 1};
  require_load_error<ConfigError>(write_temp("key1.json", doc), {"layers[0].paddding", "unknown key"});
  doc = base();
  doc["layers"][0]["weight"]["float"]["order"] = "C";
  require_load_error<ConfigError>(write_temp("key2.json", doc), {"layers[0].weight.float.order", "unknown key"});
  doc = base();
  doc["input"]["quant"]["zero"] = 1;
  require_load_error<ConfigError>(write_temp("key3.json", doc), {"input.quant.zero", "unknown key"});
  doc = base();
  doc["extra"] = 1;
  require_load_error<ConfigError>(write_temp("key4.json", doc), {"extra", "unknown key"});
  doc = base();
  doc["layers"][1]["output_quant"] = quant(0.1, 0);  // relu keeps its input's quantization
  require_load_error<ConfigError>(write_temp("key5.json", doc), {"layers[1].output_quant", "unknown key"});
}

TEST_CASE("network_json errors: shape mismatch between layers", "[network_json]") {
  json doc = base();
  doc["layers"][3]["weight"]["float"] = float_tensor({2, 9}, std::vector<double>(18, 0.1));  // input has 8 features
  require_load_error<ConfigError>(write_temp("shape1.json", doc), {"layers[3].weight.float.shape", "[2, 9]", "[2, 8]"});
  doc = base();
  doc["layers"].push_back({{"name", "sum"}, {"type", "add"}, {"input", {"fc", "flat"}}});
  require_load_error<ConfigError>(write_temp("shape2.json", doc), {"layers[4].input[1]", "8x1x1", "2x1x1"});
  doc = base();
  doc["layers"][0]["kernel"] = {5, 5};  // larger than the 4x4 input
  require_load_error<ConfigError>(write_temp("shape3.json", doc), {"layers[0].kernel", "larger"});
}

TEST_CASE("network_json errors: weight count mismatch", "[network_json]") {
  json doc = base();
  doc["layers"][3]["weight"]["float"]["data"] = std::vector<double>(15, 0.1);
  require_load_error<ConfigError>(write_temp("count1.json", doc), {"layers[3].weight.float.data", "15", "16"});
  doc = base();
  doc["layers"][3]["weight"]["float"] = {{"dtype", "float32"}, {"shape", {2, 8}}, {"base64", "AAAAPw=="}};
  require_load_error<ConfigError>(write_temp("count2.json", doc), {"layers[3].weight.float.base64", "4 bytes", "64"});
  doc = base();
  doc["layers"][3]["weight"] =
      quantized_fc({{"codes", {{"dtype", "uint8"}, {"shape", {2, 8}}, {"data", json{{1, 2}, {3, 4}}}}}});
  require_load_error<ConfigError>(write_temp("count3.json", doc),
                                  {"layers[3].weight.quantized.codes.data[0]", "nested"});
}

TEST_CASE("network_json errors: bits out of range", "[network_json]") {
  json doc = base();
  doc["layers"][3]["weight"] = quantized_fc({{"bits", 9}});
  require_load_error<ConfigError>(write_temp("bits1.json", doc), {"layers[3].weight.quantized.bits", "9"});
  doc = base();
  doc["weight_quantization"]["bits"] = 1;
  require_load_error<ConfigError>(write_temp("bits2.json", doc), {"weight_quantization.bits"});
  doc = base();
  doc["layers"][3]["weight"] =
      quantized_fc({{"codes", {{"dtype", "uint8"}, {"shape", {2, 8}}, {"data", std::vector<int>(16, 16)}}}});
  require_load_error<ConfigError>(write_temp("bits3.json", doc), {"layers[3].weight.quantized.codes", "16", "0..15"});
  doc = base();
  doc["layers"][3]["weight"] = quantized_fc({{"zero_point", {16}}});
  require_load_error<ConfigError>(write_temp("bits4.json", doc), {"layers[3].weight.quantized.zero_point[0]"});
}

TEST_CASE("network_json errors: NaN and infinite weights", "[network_json]") {
  // 16 float32 (little endian): element 0 NaN (00 00 C0 7F), or element 3 +inf (00 00 80 7F); the rest 0.5.
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"AADAfwAAAD8AAAA/AAAAPwAAAD8AAAA/AAAAPwAAAD8AAAA/AAAAPwAAAD8AAAA/AAAAPwAAAD8AAAA/AAAAPw==", "element 0"},
      {"AAAAPwAAAD8AAAA/AACAfwAAAD8AAAA/AAAAPwAAAD8AAAA/AAAAPwAAAD8AAAA/AAAAPwAAAD8AAAA/AAAAPw==", "element 3"}};
  for (const auto& [b64, element] : cases) {
    json doc = base();
    doc["layers"][3]["weight"]["float"] = {{"dtype", "float32"}, {"shape", {2, 8}}, {"base64", b64}};
    require_load_error<ConfigError>(write_temp("nan.json", doc),
                                    {"layers[3].weight.float.base64", element, "not finite"});
  }
  json doc = base();
  doc["layers"][3]["weight"]["float"]["data"][0] = 1e300;  // beyond float32: infinite once stored
  require_load_error<ConfigError>(write_temp("inf.json", doc), {"layers[3].weight.float.data[0]", "finite"});
}

TEST_CASE("network_json errors: bad base64", "[network_json]") {
  json doc = base();
  doc["layers"][3]["weight"]["float"] = {{"dtype", "float32"}, {"shape", {2, 8}}, {"base64", "AAAA$AAA"}};
  require_load_error<FormatError>(write_temp("b64_1.json", doc), {"layers[3].weight.float.base64", "offset 4"});
  doc["layers"][3]["weight"]["float"]["base64"] = "AAAAA";
  require_load_error<FormatError>(write_temp("b64_2.json", doc), {"layers[3].weight.float.base64", "multiple of 4"});
}

TEST_CASE("network_json errors: bad input references", "[network_json]") {
  json doc = base();
  doc["layers"][1]["input"] = "nonexistent";
  require_load_error<ConfigError>(write_temp("ref1.json", doc), {"layers[1].input", "nonexistent"});
  doc = base();
  doc["layers"][1]["input"] = "flat";  // a later layer
  require_load_error<ConfigError>(write_temp("ref2.json", doc), {"layers[1].input", "earlier"});
  doc = base();
  doc["output"] = "missing";
  require_load_error<ConfigError>(write_temp("ref3.json", doc), {"output", "missing"});
  doc = base();
  doc["layers"][2]["name"] = "relu";
  require_load_error<ConfigError>(write_temp("ref4.json", doc), {"layers[2].name", "duplicate"});
}

TEST_CASE("network_json errors: negative and zero scales", "[network_json]") {
  json doc = base();
  doc["layers"][3]["weight"] = quantized_fc({{"scale", {-0.1}}});
  require_load_error<ConfigError>(write_temp("scale1.json", doc), {"layers[3].weight.quantized.scale[0]", "> 0"});
  doc = base();
  doc["layers"][0]["output_quant"]["scale"] = -1.0;
  require_load_error<ConfigError>(write_temp("scale2.json", doc), {"layers[0].output_quant.scale"});
  doc = base();
  doc["input"]["quant"]["scale"] = 0.0;
  require_load_error<ConfigError>(write_temp("scale3.json", doc), {"input.quant.scale", "> 0"});
  doc = base();
  doc["input"]["quant"]["zero_point"] = 256;
  require_load_error<ConfigError>(write_temp("scale4.json", doc), {"input.quant.zero_point"});
}

TEST_CASE("network_json errors: groups, batchnorm placement, float weights without a scheme", "[network_json]") {
  json doc = base();
  doc["layers"][0]["groups"] = 2;  // 1 input channel
  require_load_error<ConfigError>(write_temp("groups.json", doc), {"layers[0].groups", "divide"});
  doc = base();
  doc["layers"][3]["weight"] = quantized_fc(json::object());
  json t = {{"dtype", "float32"}, {"shape", {2}}, {"data", {1.0, 1.0}}};
  doc["layers"].push_back({{"name", "bn"},
                           {"type", "batchnorm2d"},
                           {"input", "fc"},
                           {"mean", t},
                           {"var", t},
                           {"gamma", t},
                           {"beta", t},
                           {"eps", 1e-5}});
  require_load_error<ConfigError>(write_temp("bn1.json", doc), {"layers[4].input", "conv2d"});
  doc = base();
  doc.erase("weight_quantization");
  require_load_error<ConfigError>(write_temp("scheme.json", doc), {"layers[0].weight.float", "weight_quantization"});
  json bn = {
      {"name", "bn"}, {"type", "batchnorm2d"}, {"input", "conv"}, {"mean", t}, {"var", t}, {"gamma", t}, {"beta", t},
      {"eps", 1e-5}};
  doc = base();
  doc["layers"].insert(doc["layers"].begin() + 1, bn);
  require_load_error<ConfigError>(write_temp("bn2.json", doc), {"layers[1].input", "output_quant"});
  doc["layers"][0].erase("output_quant");
  // The conv is folded: its only consumer is the batchnorm2d, later layers must read "bn".
  require_load_error<ConfigError>(write_temp("bn3.json", doc), {"layers[2].input", "folded"});
  doc["layers"][2]["input"] = "bn";
  const Network net = load_network(write_temp("bn_ok.json", doc));
  CHECK(net.layers.size() == 4);
  CHECK(net.layers[1].inputs == std::vector<int>{0});
  CHECK_FALSE(net.layers[0].out_quant_given);  // neither the conv nor the batchnorm2d gave one
}

TEST_CASE("network_json errors: asymmetric weights whose range excludes 0", "[network_json]") {
  // All-positive weights: mid/scale is far beyond the code grid, so no zero point in 0..255 exists.
  json doc = base();
  doc["layers"][3]["weight"]["float"]["data"] = std::vector<double>(16, 0.25);
  doc["layers"][3]["weight"]["float"]["data"][0] = 0.5;
  require_load_error<ConfigError>(write_temp("range.json", doc), {"layers[3].weight.float", "contain 0"});
  doc["weight_quantization"]["symmetry"] = "symmetric";
  CHECK(load_network(write_temp("range_sym.json", doc)).layers[3].weight.zero_point[0] == 128);
}

TEST_CASE("network_json errors: unrepresentable requantization names the output_quant", "[network_json]") {
  json doc = base();
  doc["layers"][3]["output_quant"]["scale"] = 1e-30;  // ratio 0.1 * s_w / 1e-30 is far beyond 2^30
  require_load_error<ConfigError>(write_temp("requant.json", doc), {"layers[fc].output_quant"});
}

}  // namespace
}  // namespace lvsim
