// The shipped Fashion-MNIST model (workloads/networks/fmnist-cnn.json, exported by tools/torch)
// imports with the shapes and MAC count of its architecture.
#include <catch2/catch.hpp>

#include "workloads/import/network_loader.h"
#include "workloads/network/network_finalize.h"
#include "workloads/network/network_json.h"

namespace lvsim {
namespace {

TEST_CASE("network_json: the shipped fmnist-cnn model", "[network_json]") {
  const Network net = load_network(std::string(LVSIM_SOURCE_DIR) + "/workloads/networks/fmnist-cnn.json");
  CHECK_FALSE(needs_calibration(net));
  REQUIRE(net.layers.size() == 10);
  const std::vector<std::pair<std::string, Shape>> expected = {
      {"conv1", {32, 28, 28}}, {"relu1", {32, 28, 28}}, {"pool1", {32, 14, 14}}, {"conv2", {64, 14, 14}},
      {"relu2", {64, 14, 14}}, {"pool2", {64, 7, 7}},   {"flat", {3136, 1, 1}},  {"fc1", {256, 1, 1}},
      {"relu3", {256, 1, 1}},  {"fc2", {10, 1, 1}}};
  for (size_t i = 0; i < expected.size(); ++i) {
    INFO("layer " << i);
    CHECK(net.layers[i].name == expected[i].first);
    CHECK(net.layers[i].out_shape == expected[i].second);
  }
  CHECK(net.output == 9);
  // conv1: 28*28 pixels * 32 filters * 25 = 627,200; conv2: 14*14 * 64 * (32*25 = 800) = 10,035,200;
  // fc1: 3136 * 256 = 802,816; fc2: 256 * 10 = 2,560.
  CHECK(net.layers[0].macs() == 627200);
  CHECK(net.layers[3].macs() == 10035200);
  CHECK(net.layers[7].macs() == 802816);
  CHECK(net.layers[9].macs() == 2560);
  CHECK(net.total_macs() == 627200 + 10035200 + 802816 + 2560);  // 11,467,776
  CHECK(net.total_weights() == 32 * 25 + 64 * 800 + 3136 * 256 + 256 * 10);
}

}  // namespace
}  // namespace lvsim
