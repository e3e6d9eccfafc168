// One SystemC system test with faults: the shipped Fashion-MNIST CNN on the edge-16x16 preset runs
// through AcceleratorTop with persistent faults in the weight SRAM (optionally SECDED, optionally
// transient read errors). Every layer's output codes of every image must equal the golden integer
// engine run on the weights as read (the bulk read path: read_all_weights, read_image_weights), and
// what the run's own word reads delivered (WeightMemory's delivered counts, per image) must equal
// the errors of those weights. Each scenario is its own executable: one SystemC kernel per process.
#pragma once

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "memory/rate_fault_model.h"
#include "memory/transient_read_errors.h"
#include "memory/weight_memory.h"
#include "models/accelerator_top.h"
#include "models/architecture.h"
#include "models/weights_as_read.h"
#include "workloads/data/dataset.h"
#include "workloads/import/network_loader.h"
#include "workloads/inference/reference_inference.h"
#include "workloads/network/network_json.h"

namespace lvsim::test {

struct FaultScenario {
  std::string ecc = "none";                     // weight SRAM protection
  std::string on_double_error = "use_as_read";  // with secded
  std::string rate_model = "bit_flip";          // persistent faults: bit_flip | stuck_at
  double rate = 0;                              // their rate (RateFaultModel)
  double transient_ber = 0;                     // transient read errors per bit (0: none)
  int images = 2;
};

inline void run_fault_scenario(const FaultScenario& s) {
  const Network net = load_network(LVSIM_SOURCE_DIR "/workloads/networks/fmnist-cnn.json");
  ArchitectureParams arch = ArchitectureParams::from_json_file(LVSIM_SOURCE_DIR "/presets/arch/edge-16x16.json");
  arch.weight_sram.ecc = s.ecc;
  arch.weight_sram.on_double_error = s.on_double_error;
  arch.weight_sram.validate();
  arch.check_fits(net);
  // The data set is installed by tools/install-deps.sh (CI); a missing one fails here.
  const Dataset test = load_dataset("/usr/share/datasets/fashion-mnist", Split::Test, s.images);
  std::vector<std::vector<uint8_t>> inputs;
  for (int64_t i = 0; i < test.count; ++i) inputs.push_back(preprocess_image(net, test.image(i)));

  WeightMemory wm(arch.weight_sram, net);
  RateFaultParams rp;
  rp.kind = s.rate_model;
  RateFaultModel faults(rp, fault_geometry(arch.weight_sram), 11);
  wm.set_faults(faults.word_faults(s.rate));
  WeightReadCounts bulk;
  const LayerWeights persistent = read_all_weights(net, wm, bulk);
  // The faults reach the weights of several layers (else the comparison below proves little).
  const LayerWeights stored = stored_weights(net);
  int layers_changed = 0;
  for (size_t l = 0; l < net.layers.size(); ++l) layers_changed += persistent[l] != stored[l];
  REQUIRE(layers_changed >= 2);
  if (s.ecc == "secded") REQUIRE((bulk.ecc_corrected > 0 && bulk.ecc_detected > 0));

  TransientReadErrors transient(s.transient_ber, fault_geometry(arch.weight_sram), 5);
  if (s.transient_ber > 0) wm.set_transient(&transient);
  wm.reset_stats();
  const std::vector<ImageRun> runs = run_network_systemc(arch, net, wm, inputs);
  REQUIRE(runs.size() == size_t(test.count));

  int64_t layers_differing_from_clean = 0, transient_bits = 0;
  for (int64_t i = 0; i < test.count; ++i) {
    LayerWeights w = persistent;
    WeightReadCounts image_fr;
    if (s.transient_ber > 0) read_image_weights(net, wm, i, persistent, w, image_fr);
    const auto golden = run_all_layers(net, test.image(i), w);
    const auto clean = run_all_layers(net, test.image(i), stored);
    for (size_t l = 0; l < net.layers.size(); ++l) {
      INFO("image " << i << " layer " << l << " " << net.layers[l].name);
      CHECK(runs[size_t(i)].layers[l].output == golden[l]);
      layers_differing_from_clean += golden[l] != clean[l];
    }
    // What this image's word reads delivered, as the SystemC run's weight memory counted it.
    const DeliveredWeightErrors& d = runs[size_t(i)].weight_errors;
    INFO("image " << i);
    CHECK(d.bit_errors == bulk.bit_errors);
    CHECK(d.weights_changed == bulk.weights_changed);
    for (size_t b = 0; b < 8; ++b) CHECK(d.bit_errors_by_bit[b] == bulk.bit_errors_by_bit[b]);
    CHECK(d.ecc_corrected == bulk.ecc_corrected);
    CHECK(d.ecc_detected == bulk.ecc_detected);
    CHECK(d.ecc_silent == bulk.ecc_silent);
    CHECK(d.transient_bit_errors == image_fr.transient_bit_errors);
    transient_bits += d.transient_bit_errors;
  }
  CHECK(layers_differing_from_clean > 0);  // the faults changed what the layers compute
  if (s.transient_ber > 0) CHECK(transient_bits > 0);
}

}  // namespace lvsim::test
