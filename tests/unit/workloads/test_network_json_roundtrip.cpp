// Export: load -> save -> load gives the same network; the saved file is a fixed point.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <sstream>

#include "test_network_json_support.h"
#include "workloads/import/network_loader.h"
#include "workloads/network/network_finalize.h"
#include "workloads/network/network_json.h"

using nlohmann::json;

namespace lvsim {
namespace {

using test::quant;
using test::write_temp;

json f64(std::vector<int64_t> shape, double phase) {
  int64_t n = 1;
  for (auto s : shape) n *= s;
  std::vector<double> v;
  for (int64_t i = 0; i < n; ++i) v.push_back(0.3 * std::sin(double(i) * 1.7 + phase));
  return {{"dtype", "float64"}, {"shape", shape}, {"data", v}};
}

// Every layer type and weight form: float conv + batchnorm, depthwise quantized conv, residual add,
// padded max pool, global average pool, linear on a 4x1x1 input with an int32 bias.
json rich_network() {
  std::vector<int> dw_codes;
  for (int i = 0; i < 36; ++i) dw_codes.push_back(i % 32 - 16);
  return {
      {"format", "lvsim-network"},
      {"version", 1},
      {"name", "rich"},
      {"input",
       {{"shape", {3, 6, 6}},
        {"preprocess", {{"pixel_scale", 0.00392156862745098}, {"mean", {0.4, 0.5, 0.6}}, {"std", {0.2, 0.25, 0.3}}}},
        {"quant", quant(0.0271, 77)}}},
      {"weight_quantization", {{"bits", 8}}},
      {"layers",
       {{{"name", "conv1"},
         {"type", "conv2d"},
         {"input", "input"},
         {"out_channels", 4},
         {"kernel", {3, 3}},
         {"padding", {1, 1}},
         {"weight", {{"float", f64({4, 3, 3, 3}, 0.0)}}},
         {"bias", f64({4}, 1.0)},
         {"weight_quantization",
          {{"bits", 6}, {"granularity", "per_channel"}, {"symmetry", "symmetric"}, {"storage", "twos_complement"}}}},
        {{"name", "bn1"},
         {"type", "batchnorm2d"},
         {"input", "conv1"},
         {"mean", f64({4}, 2.0)},
         {"var", {{"dtype", "float32"}, {"shape", {4}}, {"data", {1.0, 0.5, 2.0, 0.25}}}},
         {"gamma", f64({4}, 3.0)},
         {"beta", f64({4}, 4.0)},
         {"eps", 1e-5},
         {"output_quant", quant(0.0413, 101)}},
        {{"name", "relu1"}, {"type", "relu"}, {"input", "bn1"}},
        {{"name", "dw"},
         {"type", "conv2d"},
         {"input", "relu1"},
         {"out_channels", 4},
         {"kernel", {3, 3}},
         {"padding", {1, 1}},
         {"groups", 4},
         {"weight",
          {{"quantized",
            {{"bits", 5},
             {"storage", "twos_complement"},
             {"granularity", "per_channel"},
             {"scale", {0.01, 0.02, 0.03, 0.04}},
             {"zero_point", {0, 1, -2, 3}},
             {"codes", {{"dtype", "int8"}, {"shape", {4, 1, 3, 3}}, {"data", dw_codes}}}}}}},
         {"output_quant", quant(0.05, 120)}},
        {{"name", "sum"}, {"type", "add"}, {"input", {"relu1", "dw"}}, {"output_quant", quant(0.07, 90)}},
        {{"name", "pool"},
         {"type", "maxpool2d"},
         {"input", "sum"},
         {"kernel", {3, 3}},
         {"stride", {2, 2}},
         {"padding", {1, 1}}},
        {{"name", "gap"}, {"type", "avgpool2d"}, {"input", "pool"}, {"global", true}},
        {{"name", "fc"},
         {"type", "linear"},
         {"input", "gap"},
         {"out_features", 5},
         {"weight", {{"float", f64({5, 4}, 5.0)}}},
         {"bias", {{"dtype", "int32"}, {"shape", {5}}, {"data", {-3, 0, 7, 100000, -2147483648LL}}}},
         {"output_quant", quant(0.2, 128)}}}},
      {"output", "fc"}};
}

void require_same(const Network& a, const Network& b, bool compare_bias_real) {
  CHECK(a.name == b.name);
  CHECK(a.input_shape == b.input_shape);
  CHECK(a.preprocess.pixel_scale == b.preprocess.pixel_scale);
  CHECK(a.preprocess.mean == b.preprocess.mean);
  CHECK(a.preprocess.std == b.preprocess.std);
  CHECK(a.preprocess.multiplier == b.preprocess.multiplier);
  CHECK(a.preprocess.offset == b.preprocess.offset);
  CHECK(a.input_quant.scale == b.input_quant.scale);
  CHECK(a.input_quant.zero_point == b.input_quant.zero_point);
  CHECK(a.input_quant_given == b.input_quant_given);
  CHECK(a.output == b.output);
  REQUIRE(a.layers.size() == b.layers.size());
  for (size_t i = 0; i < a.layers.size(); ++i) {
    const Layer& x = a.layers[i];
    const Layer& y = b.layers[i];
    INFO("layer " << i << " " << x.name);
    CHECK(x.name == y.name);
    CHECK(x.type == y.type);
    CHECK(x.inputs == y.inputs);
    CHECK(x.in_shape == y.in_shape);
    CHECK(x.out_shape == y.out_shape);
    CHECK(x.in_quant.scale == y.in_quant.scale);
    CHECK(x.in_quant.zero_point == y.in_quant.zero_point);
    CHECK(x.out_quant.scale == y.out_quant.scale);
    CHECK(x.out_quant.zero_point == y.out_quant.zero_point);
    CHECK(x.out_channels == y.out_channels);
    CHECK(x.kernel_h == y.kernel_h);
    CHECK(x.kernel_w == y.kernel_w);
    CHECK(x.stride_h == y.stride_h);
    CHECK(x.stride_w == y.stride_w);
    CHECK(x.pad_h == y.pad_h);
    CHECK(x.pad_w == y.pad_w);
    CHECK(x.groups == y.groups);
    CHECK(x.weight.bits == y.weight.bits);
    CHECK(x.weight.storage == y.weight.storage);
    CHECK(x.weight.per_channel == y.weight.per_channel);
    CHECK(x.weight.stored == y.weight.stored);
    CHECK(x.weight.scale == y.weight.scale);
    CHECK(x.weight.zero_point == y.weight.zero_point);
    CHECK(x.weight.out_channels == y.weight.out_channels);
    CHECK(x.weight.per_out == y.weight.per_out);
    CHECK(x.bias == y.bias);
    if (compare_bias_real) CHECK(x.bias_real == y.bias_real);
    CHECK(x.out_quant_given == y.out_quant_given);
    REQUIRE(x.requant.size() == y.requant.size());
    for (size_t o = 0; o < x.requant.size(); ++o) {
      CHECK(x.requant[o].multiplier == y.requant[o].multiplier);
      CHECK(x.requant[o].shift == y.requant[o].shift);
    }
    CHECK(x.add_multiplier == y.add_multiplier);
    CHECK(x.add_shift == y.add_shift);
  }
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST_CASE("network_json: load -> save -> load gives the same network", "[network_json]") {
  const Network a = load_network(write_temp("rich.json", rich_network()));
  REQUIRE(a.layers.size() == 7);  // bn1 folded into conv1
  CHECK(a.layers[3].in_shape == Shape{4, 6, 6});
  CHECK(a.layers[4].out_shape == Shape{4, 3, 3});  // (6 + 2 - 3) / 2 + 1 = 3
  CHECK(a.layers[5].out_shape == Shape{4, 1, 1});
  CHECK(a.layers[5].kernel_h == 3);
  CHECK(a.layers[6].macs() == 20);
  CHECK(a.layers[2].macs() == 36 * 9 * 4);  // depthwise: 1 input channel per filter
  CHECK(a.layers[6].bias.back() == -2147483647 - 1);
  REQUIRE_FALSE(needs_calibration(a));

  const std::string p1 = (test::network_test_dir() / "rich_saved.json").string();
  save_network(a, p1);
  CHECK_FALSE(std::filesystem::exists(p1 + ".tmp"));
  const Network b = load_network(p1);
  CHECK(b.source_file == p1);
  CHECK(b.layers[0].bias_real.empty());  // biases are saved quantized
  require_same(a, b, false);

  const std::string p2 = (test::network_test_dir() / "rich_saved2.json").string();
  save_network(b, p2);
  CHECK(slurp(p1) == slurp(p2));
  require_same(b, load_network(p2), true);
}

TEST_CASE("network_json: a network waiting for calibration cannot be saved", "[network_json]") {
  json doc = rich_network();
  doc["input"].erase("quant");
  const Network net = load_network(write_temp("rich_calib.json", doc));
  CHECK(needs_calibration(net));
  CHECK_THROWS_AS(save_network(net, (test::network_test_dir() / "never.json").string()), std::logic_error);
}

}  // namespace
}  // namespace lvsim
