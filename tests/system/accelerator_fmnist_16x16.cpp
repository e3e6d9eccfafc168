// End to end under SystemC: the shipped Fashion-MNIST CNN on three test images on the edge-16x16
// preset. Every layer's output must equal the golden integer engine bit for bit, and every layer's
// cycles the closed form. The network and the data set (tools/install-deps.sh) must be present: a
// missing one fails the test.
#include <catch2/catch.hpp>

#include "memory/weight_memory.h"
#include "models/accelerator_top.h"
#include "models/timing_model.h"
#include "tests/support/models_test_util.h"
#include "workloads/data/dataset.h"
#include "workloads/import/network_loader.h"
#include "workloads/inference/reference_inference.h"
#include "workloads/network/network_json.h"

using namespace lvsim;

// Linked SystemC needs the symbol; Catch2's main drives the kernel through sc_start().
int sc_main(int, char*[]) {
  return 0;
}

TEST_CASE("fmnist CNN on edge-16x16 under SystemC: golden outputs, closed-form cycles", "[system]") {
  const Network net = load_network(LVSIM_SOURCE_DIR "/workloads/networks/fmnist-cnn.json");
  const ArchitectureParams arch = ArchitectureParams::from_json_file(LVSIM_SOURCE_DIR "/presets/arch/edge-16x16.json");
  arch.check_fits(net);
  constexpr int kImages = 3;
  const Dataset d = load_dataset("/usr/share/datasets/fashion-mnist", Split::Test, kImages);
  std::vector<std::vector<uint8_t>> pixels;
  for (int i = 0; i < kImages; ++i) pixels.emplace_back(d.image(i), d.image(i) + d.image_shape.size());
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
  INFO("cycles per image: " << runs[0].cycles);
}
