// The golden engine against outputs computed independently by the PyTorch exporter's own integer
// reference (tools/torch/int_reference.py): tiny networks covering every layer type, bit width
// 2..8, both storages and per-channel zero points, plus the shipped Fashion-MNIST CNN.
#include <catch2/catch.hpp>

#include <fstream>
#include <nlohmann/json.hpp>

#include "workloads/data/dataset.h"
#include "workloads/import/network_loader.h"
#include "workloads/inference/reference_inference.h"
#include "workloads/network/network_json.h"

using namespace lvsim;

namespace {

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  return nlohmann::json::parse(in);
}

int layer_index(const Network& net, const std::string& name) {
  for (size_t i = 0; i < net.layers.size(); ++i)
    if (net.layers[i].name == name) return int(i);
  FAIL("no layer " << name);
  return -1;
}

}  // namespace

TEST_CASE("golden inference reproduces the exporter's integer reference on tiny networks", "[golden][fixture]") {
  const std::string name = GENERATE("tiny-conv", "tiny-linear", "tiny-conv-float", "tiny-linear-float");
  const std::string dir = std::string(LVSIM_SOURCE_DIR) + "/tests/data/";
  const Network net = load_network(dir + name + ".json");
  const nlohmann::json exp = read_json(dir + name + ".expected.json");
  INFO(name);

  // Integer constants derived at import equal the exporter's.
  const auto& d = exp.at("derived");
  CHECK(net.input_quant.zero_point == d.at("input").at("zero_point").get<int>());
  CHECK(net.preprocess.multiplier == d.at("input").at("multiplier").get<std::vector<int64_t>>());
  CHECK(net.preprocess.offset == d.at("input").at("offset").get<std::vector<int64_t>>());
  for (auto it = d.begin(); it != d.end(); ++it) {
    if (it.key() == "input" || !it.value().contains("bias_q")) continue;
    const Layer& L = net.layers[size_t(layer_index(net, it.key()))];
    INFO(it.key());
    CHECK(L.bias == it.value().at("bias_q").get<std::vector<int32_t>>());
    CHECK(L.weight.zero_point == it.value().at("weight_zero_point").get<std::vector<int32_t>>());
    std::vector<int64_t> mult;
    std::vector<int> shift;
    for (const auto& r : L.requant) {
      mult.push_back(r.multiplier);
      shift.push_back(r.shift);
    }
    CHECK(mult == it.value().at("multiplier").get<std::vector<int64_t>>());
    CHECK(shift == it.value().at("shift").get<std::vector<int>>());
  }

  const LayerWeights w = stored_weights(net);
  for (const auto& img : exp.at("images")) {
    const auto pixels = img.at("pixels").get<std::vector<uint8_t>>();
    REQUIRE(int64_t(pixels.size()) == net.input_shape.size());
    CHECK(preprocess_image(net, pixels.data()) == img.at("input_codes").get<std::vector<uint8_t>>());
    const auto outs = run_all_layers(net, pixels.data(), w);
    for (auto it = img.at("layer_outputs").begin(); it != img.at("layer_outputs").end(); ++it) {
      INFO("layer " << it.key());
      CHECK(outs[size_t(layer_index(net, it.key()))] == it.value().get<std::vector<uint8_t>>());
    }
    CHECK(argmax_class(outs[size_t(net.output)]) == img.at("prediction").get<int>());
  }
}

TEST_CASE("golden inference reproduces the exporter's predictions for the shipped CNN", "[golden][fixture][fmnist]") {
  const std::string src = LVSIM_SOURCE_DIR;
  const Network net = load_network(src + "/workloads/networks/fmnist-cnn.json");
  const nlohmann::json exp = read_json(src + "/tests/data/fmnist-cnn.expected.json");
  const Dataset test = load_dataset("/usr/share/datasets/fashion-mnist", Split::Test, 400);
  const LayerWeights w = stored_weights(net);

  // Every layer of test image 0.
  const auto outs = run_all_layers(net, test.image(0), w);
  for (auto it = exp.at("layer_outputs_image0").begin(); it != exp.at("layer_outputs_image0").end(); ++it) {
    INFO("layer " << it.key());
    CHECK(outs[size_t(layer_index(net, it.key()))] == it.value().get<std::vector<uint8_t>>());
  }
  // Predictions of the first 400 images (the fast-path tests cover all 10,000).
  const auto want = exp.at("predictions").get<std::vector<int>>();
  const auto got = predict(net, test.pixels.data(), test.count, w, 2);
  CHECK(got == std::vector<int>(want.begin(), want.begin() + 400));
}
