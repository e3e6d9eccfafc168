// The shipped Fashion-MNIST CNN on both presets and every dataflow, plain C++ cycle model (no
// kernel): every layer's output == golden engine, cycles and counts == closed form.
#include <catch2/catch.hpp>

#include <filesystem>

#include "memory/weight_memory.h"
#include "models/controller.h"
#include "models/timing_model.h"
#include "tests/support/models_test_util.h"
#include "workloads/data/dataset.h"
#include "workloads/import/network_loader.h"
#include "workloads/inference/reference_inference.h"
#include "workloads/network/network_json.h"

using namespace lvsim;

TEST_CASE("shipped network on the presets, every dataflow: golden outputs, closed-form cycles", "[controller]") {
  const std::string path = LVSIM_SOURCE_DIR "/workloads/networks/fmnist-cnn.json";
  if (!std::filesystem::exists(path)) {
    FAIL(path << " not present: a test never passes by skipping");
  }
  const std::string preset = GENERATE(std::string("edge-16x16"), std::string("tpu-128x128"));
  const Dataflow df = GENERATE(Dataflow::WeightStationary, Dataflow::OutputStationary, Dataflow::InputStationary);
  static const Network net = load_network(path);
  ArchitectureParams arch = ArchitectureParams::from_json_file(LVSIM_SOURCE_DIR "/presets/arch/" + preset + ".json");
  arch.dataflow = df;
  REQUIRE_NOTHROW(arch.check_fits(net));
  // A real test image (the data set is installed by tools/install-deps.sh; a missing one fails).
  static const Dataset d = load_dataset("/usr/share/datasets/fashion-mnist", Split::Test, 1);
  const std::vector<uint8_t> pixels(d.image(0), d.image(0) + d.image_shape.size());
  const auto golden = run_all_layers(net, pixels.data(), stored_weights(net));
  const std::vector<uint8_t> input = preprocess_image(net, pixels.data());
  WeightMemory wm(arch.weight_sram, net);
  std::vector<std::vector<uint8_t>> outs(net.layers.size());
  int64_t cycles = 0;
  for (size_t l = 0; l < net.layers.size(); ++l) {
    std::vector<const std::vector<uint8_t>*> ins;
    for (int src : net.layers[l].inputs) ins.push_back(src < 0 ? &input : &outs[size_t(src)]);
    LayerRun run = run_layer_cycle(arch, net, int(l), ins, wm);
    INFO(preset << " " << dataflow_name(df) << " layer " << l << " " << net.layers[l].name);
    CHECK(run.output == golden[l]);
    CHECK(run.timing == test::expected_timing(arch, net, int(l), *ins[0]));
    cycles += run.cycles;
    outs[l] = std::move(run.output);
  }
  INFO(preset << " " << dataflow_name(df) << ": " << cycles << " cycles per image");
}
