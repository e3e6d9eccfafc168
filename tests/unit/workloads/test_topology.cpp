// The shipped SCALE-Sim topology files against their networks' published sizes (independent
// figures: the papers' multiply-add and parameter counts), read through read_topology_csv.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "workloads/network/topology.h"

using namespace lvsim;

namespace {

struct Totals {
  double macs = 0, weights = 0;
};

Totals totals(const std::string& file) {
  const Topology t = read_topology_csv(std::string(LVSIM_SOURCE_DIR) + "/workloads/topologies/" + file);
  Totals s;
  for (const TopologyLayer& L : t.layers) {
    s.macs += double(L.macs());
    s.weights += double(L.filter_h * L.filter_w * L.channels * L.num_filters);
  }
  return s;
}

}  // namespace

TEST_CASE("shipped topologies match their published multiply-adds and parameters", "[topology]") {
  // MobileNet-v1 (Howard et al. 2017, Table 1 text): 569 M multiply-adds, 4.2 M parameters (the
  // depthwise layers written as one channel x C filters keep both counts).
  const Totals mobilenet = totals("mobilenet-v1.csv");
  CHECK(std::abs(mobilenet.macs / 569e6 - 1) < 0.005);
  CHECK(std::abs(mobilenet.weights / 4.2e6 - 1) < 0.01);
  // ResNet-18 (He et al. 2016, Table 1): 1.8e9 FLOPs (multiply-adds); 11.7 M parameters
  // (torchvision's resnet18, whose batch-norm parameters are under 0.1 % of them).
  const Totals resnet = totals("resnet18.csv");
  CHECK(std::abs(resnet.macs / 1.8e9 - 1) < 0.01);
  CHECK(std::abs(resnet.weights / 11.7e6 - 1) < 0.005);
}

TEST_CASE("SCALE-Sim output size: ceil((H - F + s) / s), one more than PyTorch's when (H - F) % s != 0", "[topology]") {
  TopologyLayer L;
  L.ifmap_h = L.ifmap_w = 226, L.filter_h = L.filter_w = 3, L.stride = 2;
  CHECK(L.out_h() == 113);  // PyTorch, padding 1 on 224: floor((226 - 3) / 2) + 1 = 112
  L.ifmap_h = L.ifmap_w = 225;
  CHECK(L.out_h() == 112);  // the shipped files' choice: both conventions agree
}
