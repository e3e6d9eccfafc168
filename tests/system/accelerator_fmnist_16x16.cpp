// End to end under SystemC: the shipped Fashion-MNIST CNN (or, until it is shipped, a synthetic
// network of the same shape) on three test images on the edge-16x16 preset. Every layer's output
// must equal the golden integer engine bit for bit, and every layer's cycles the closed form.
#include <catch2/catch.hpp>

#include <filesystem>

#include "../unit/models/models_test_util.h"
#include "memory/weight_memory.h"
#include "models/accelerator_top.h"
#include "models/timing_model.h"
#include "workloads/dataset.h"
#include "workloads/network_json.h"
#include "workloads/reference_inference.h"

using namespace lvsim;

// Linked SystemC needs the symbol; Catch2's main drives the kernel through sc_start().
int sc_main(int, char*[]) {
  return 0;
}

namespace {

/// conv(1->32, 5x5, pad 2) relu maxpool2 conv(32->64, 5x5, pad 2) relu maxpool2 flatten
/// linear(3136->256) relu linear(256->10), random 8-bit weights: the shipped CNN's shapes.
Network synthetic_fmnist_cnn() {
  test::ConvShape c1;
  c1.cin = 1, c1.h = c1.w = 28, c1.cout = 32, c1.kh = c1.kw = 5, c1.ph = c1.pw = 2;
  Network net = test::make_layer_network(c1, 8, 1);
  auto relu = [&](int src) {
    Layer l;
    l.name = "relu" + std::to_string(src);
    l.type = LayerType::Relu;
    l.inputs = {src};
    l.in_shape = l.out_shape = net.layers[size_t(src)].out_shape;
    l.in_quant = l.out_quant = net.layers[size_t(src)].out_quant;
    net.layers.push_back(l);
  };
  auto pool = [&](int src) {
    Layer l;
    l.name = "pool" + std::to_string(src);
    l.type = LayerType::MaxPool2d;
    l.inputs = {src};
    l.in_shape = net.layers[size_t(src)].out_shape;
    l.kernel_h = l.kernel_w = l.stride_h = l.stride_w = 2;
    l.out_shape = Shape{l.in_shape.c, l.in_shape.h / 2, l.in_shape.w / 2};
    l.in_quant = l.out_quant = net.layers[size_t(src)].out_quant;
    net.layers.push_back(l);
  };
  auto weighted = [&](const test::ConvShape& s, int src, uint64_t seed) {
    Layer l = test::make_layer_network(s, 8, seed).layers[0];
    l.inputs = {src};
    l.in_quant = net.layers[size_t(src)].out_quant;
    net.layers.push_back(l);
  };
  relu(0);
  pool(1);
  test::ConvShape c2;
  c2.cin = 32, c2.h = c2.w = 14, c2.cout = 64, c2.kh = c2.kw = 5, c2.ph = c2.pw = 2;
  weighted(c2, 2, 2);
  relu(3);
  pool(4);
  Layer fl;
  fl.name = "flatten";
  fl.type = LayerType::Flatten;
  fl.inputs = {5};
  fl.in_shape = net.layers[5].out_shape;
  fl.out_shape = Shape{int(fl.in_shape.size()), 1, 1};
  fl.in_quant = fl.out_quant = net.layers[5].out_quant;
  net.layers.push_back(fl);
  test::ConvShape f1;
  f1.linear = true, f1.cin = 3136, f1.cout = 256;
  weighted(f1, 6, 3);
  relu(7);
  test::ConvShape f2;
  f2.linear = true, f2.cin = 256, f2.cout = 10;
  weighted(f2, 8, 4);
  net.output = int(net.layers.size()) - 1;
  return net;
}

}  // namespace

TEST_CASE("fmnist CNN on edge-16x16 under SystemC: golden outputs, closed-form cycles", "[system]") {
  const std::string shipped = LVSIM_SOURCE_DIR "/workloads/networks/fmnist-cnn.json";
  const bool have_net = std::filesystem::exists(shipped);
  const Network net = have_net ? load_network(shipped) : synthetic_fmnist_cnn();
  const ArchitectureParams arch = ArchitectureParams::from_json_file(LVSIM_SOURCE_DIR "/presets/arch/edge-16x16.json");
  arch.check_fits(net);
  constexpr int kImages = 3;
  std::vector<std::vector<uint8_t>> pixels;
  const std::string data_dir = "/usr/share/datasets/fashion-mnist";
  if (std::filesystem::exists(data_dir + "/t10k-images-idx3-ubyte.gz")) {
    const Dataset d = load_dataset(data_dir, Split::Test, kImages);
    for (int i = 0; i < kImages; ++i) pixels.emplace_back(d.image(i), d.image(i) + d.image_shape.size());
  } else {
    for (int i = 0; i < kImages; ++i) pixels.push_back(test::random_input(net, uint64_t(i)));
  }
  WARN("network: " << (have_net ? shipped : "synthetic fmnist-shaped CNN") << ", images: " << kImages);
  std::vector<std::vector<uint8_t>> inputs;
  for (const auto& p : pixels) inputs.push_back(preprocess_image(net, p.data()));

  WeightMemory wm(arch.weight_sram, net);
  const std::vector<ImageRun> runs = run_network_systemc(arch, net, wm, inputs);
  REQUIRE(runs.size() == size_t(kImages));
  std::vector<LayerTiming> closed;
  for (size_t l = 0; l < net.layers.size(); ++l) closed.push_back(layer_timing(arch, net, int(l)));
  const LayerWeights weights = stored_weights(net);
  for (int i = 0; i < kImages; ++i) {
    const auto golden = run_all_layers(net, pixels[size_t(i)].data(), weights);
    int64_t total = 0;
    for (size_t l = 0; l < net.layers.size(); ++l) {
      INFO("image " << i << " layer " << l << " " << net.layers[l].name);
      CHECK(runs[size_t(i)].layers[l].output == golden[l]);
      const int src = net.layers[l].inputs[0];
      const std::vector<uint8_t>& in = src < 0 ? inputs[size_t(i)] : golden[size_t(src)];
      CHECK(runs[size_t(i)].layers[l].timing == test::expected_timing(arch, net, int(l), in));
      total += closed[l].cycles;
    }
    CHECK(runs[size_t(i)].cycles == total);
    CHECK(argmax_class(runs[size_t(i)].layers[size_t(net.output)].output) == argmax_class(golden[size_t(net.output)]));
  }
  WARN("cycles per image: " << runs[0].cycles);
}
