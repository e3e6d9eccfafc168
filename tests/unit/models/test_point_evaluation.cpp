// One point evaluator: accuracy counts against an independent count; predictions and zero-operand
// counts of predict_point equal the golden reference engine image by image (weights with faults,
// with and without transient read errors).
#include <catch2/catch.hpp>

#include <algorithm>

#include "common/rng.h"
#include "memory/transient_read_errors.h"
#include "memory/weight_memory.h"
#include "models/point_evaluation.h"
#include "tests/support/models_test_util.h"
#include "workloads/inference/reference_inference.h"

using namespace lvsim;

namespace {

Dataset random_images(const Network& net, int64_t count, uint64_t seed) {
  Dataset d;
  d.count = count;
  d.image_shape = net.input_shape;
  SplitMix64 r(seed);
  d.pixels.resize(size_t(count * net.input_shape.size()));
  for (auto& p : d.pixels) p = uint8_t(r.next());
  for (int64_t i = 0; i < count; ++i) d.labels.push_back(uint8_t(r.next() % 10));
  return d;
}

}  // namespace

TEST_CASE("count_accuracy: correct, clean correct and robust-wrong images as counted one by one",
          "[point_evaluation]") {
  SplitMix64 r(5);
  Dataset d;
  d.count = 200;
  std::vector<int> pred, clean;
  for (int i = 0; i < 200; ++i) {
    d.labels.push_back(uint8_t(r.next() % 3));
    pred.push_back(int(r.next() % 3));
    clean.push_back(int(r.next() % 3));
  }
  int64_t correct = 0, correct_clean = 0, both = 0;
  for (int i = 0; i < 200; ++i) {
    correct += pred[size_t(i)] == d.labels[size_t(i)] ? 1 : 0;
    correct_clean += clean[size_t(i)] == d.labels[size_t(i)] ? 1 : 0;
    both += pred[size_t(i)] == d.labels[size_t(i)] && clean[size_t(i)] == d.labels[size_t(i)] ? 1 : 0;
  }
  const AccuracyCounts a = count_accuracy(pred, clean, d);
  CHECK(a.correct == correct);
  CHECK(a.correct_clean == correct_clean);
  CHECK(a.robust_wrong == 200 - both);
}

TEST_CASE("predict_point: fast and golden predict as the reference engine, with faults and transients",
          "[point_evaluation]") {
  const Network net = test::make_mini_network(21);
  const Dataset test = random_images(net, 12, 4);
  ArchitectureParams arch;
  arch.rows = arch.cols = 4;
  arch.weight_sram.banks = 4;
  arch.weight_sram.rows_per_bank = 1024;
  WeightMemory wm(arch.weight_sram, net);
  const bool transients = GENERATE(false, true);
  TransientReadErrors transient(transients ? 0.02 : 0.0, fault_geometry(arch.weight_sram), 9);
  wm.set_transient(&transient);
  WeightReadCounts counts;
  const LayerWeights weights = read_all_weights(net, wm, counts);
  for (RunMode mode : {RunMode::Golden, RunMode::Fast}) {
    const PointPrediction p = predict_point(mode, arch, net, &wm, weights, test, 2);
    REQUIRE(p.predictions.size() == size_t(test.count));
    CHECK((p.transient_bit_errors > 0) == transients);
    std::vector<int64_t> zero_codes(net.layers.size(), 0);
    for (int64_t i = 0; i < test.count; ++i) {
      // Independent: the reference engine on the weights this image reads (its own transients).
      LayerWeights image_weights;
      WeightReadCounts scratch;
      read_image_weights(net, wm, i, weights, image_weights, scratch);
      const auto out = run_all_layers(net, test.image(i), image_weights);
      CHECK(p.predictions[size_t(i)] == argmax_class(out[size_t(net.output)]));
      // Zero activations: the codes each conv/linear layer reads equal to its input zero point.
      const std::vector<uint8_t> input = preprocess_image(net, test.image(i));
      for (size_t l = 0; l < net.layers.size(); ++l) {
        const Layer& L = net.layers[l];
        if (!L.has_weights()) continue;
        const std::vector<uint8_t>& in = L.inputs[0] < 0 ? input : out[size_t(L.inputs[0])];
        for (uint8_t c : in) zero_codes[l] += c == uint8_t(L.in_quant.zero_point) ? 1 : 0;
      }
    }
    CHECK(p.zero_activation_codes == zero_codes);
  }
}
