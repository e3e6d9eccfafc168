// The fast path resumed at a layer boundary (partial re-runs of a study's points): activations
// captured by a run on weights A, then a run on weights B that differ from A only from the boundary
// on, resumed there, must give B's golden predictions and the zero-operand counts of a full run on
// B. Random networks (fused relu and max-pool, residual add, flatten -> linear) and the seed-like
// SimpleNet (groupnorm parameters in the weight SRAM).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "test_fast_inference_networks.h"
#include "workloads/inference/fast_inference.h"
#include "workloads/inference/reference_inference.h"
#include "workloads/network/network_json.h"

using namespace lvsim;
using lvsim::testing::random_bytes;
using lvsim::testing::RandomNetBuilder;
using lvsim::testing::RandomNetOptions;

namespace {

bool same_counts(const LayerZeroCounts& a, const LayerZeroCounts& b) {
  return a.operand_macs == b.operand_macs && a.activation_codes == b.activation_codes;
}

Network resume_test_network(uint64_t seed) {
  RandomNetBuilder b(derive_seed(seed, 1), RandomNetOptions{});
  const int in_c = b.uniform(1, 3);
  b.start({in_c, b.uniform(8, 12), b.uniform(8, 12)});
  int x = b.conv(-1, b.uniform(2, 8), 3, 3, 1, 1, 1);
  x = b.simple(x, LayerType::Relu);  // fused into the conv
  const Shape s = b.shape_of(x);
  x = b.add({x, b.conv(x, s.c, 3, 3, 1, 1, 1)});  // a boundary inside the residual holds two tensors
  x = b.conv(x, b.uniform(2, 8), 3, 3, 1, 1, 1);
  x = b.simple(x, LayerType::Relu);
  x = b.pool(x, LayerType::MaxPool2d, 2, 2, 0);  // fused with the conv and its relu
  x = b.simple(x, LayerType::Flatten);
  x = b.linear(x, b.uniform(4, 20));
  x = b.simple(x, LayerType::Relu);
  x = b.linear(x, 10);
  return b.finish_calibrated(x, derive_seed(seed, 2));
}

/// `w` with about 5 % of the patterns of every layer from `from` on set to random values.
LayerWeights changed_from(const Network& net, LayerWeights w, int from, uint64_t seed) {
  SplitMix64 r(seed);
  for (size_t l = size_t(from); l < w.size(); ++l)
    for (auto& p : w[l])
      if (r.uniform() < 0.05) p = uint8_t(r.next() & ((1u << net.layers[l].weight.bits) - 1));
  return w;
}

/// For every boundary: capture on `a`, resume on weights changed from there, compare with a full
/// run (and golden, where `golden`: the golden engine is slow on SimpleNet, whose full fast runs are
/// checked against golden elsewhere). Returns the number of resumable boundaries.
int check_every_boundary(const Network& net, const std::vector<uint8_t>& pixels, int64_t count, uint64_t seed,
                         bool golden) {
  const LayerWeights a = stored_weights(net);
  const FastInference engine_a(net, a);
  LayerZeroCounts zeros_a;
  const std::vector<int> pred_a = engine_a.predict(pixels.data(), count, 2, nullptr, &zeros_a);
  int resumable = 0, differs = 0;
  for (int b = 1; b < int(net.layers.size()); ++b) {
    INFO("boundary " << b << " (" << net.layers[size_t(b)].name << ")");
    if (!engine_a.resumable_at(b)) continue;
    ++resumable;
    FastActivations held;
    held.boundary = b;
    LayerZeroCounts zeros_capture;
    CHECK(engine_a.predict_resumed(pixels.data(), count, 2, nullptr, {&held}, &zeros_capture) == pred_a);
    CHECK(same_counts(zeros_capture, zeros_a));  // capturing changes nothing
    CHECK(held.image_bytes == engine_a.boundary_bytes(b));
    const LayerWeights wb = changed_from(net, a, b, derive_seed(seed, uint64_t(b)));
    const FastInference engine_b(net, wb);
    LayerZeroCounts zeros_full, zeros_resumed;
    const std::vector<int> full = engine_b.predict(pixels.data(), count, 1, nullptr, &zeros_full);
    if (golden) CHECK(full == predict(net, pixels.data(), count, wb, 2));
    differs += full != pred_a || !same_counts(zeros_full, zeros_a);
    for (int threads : {1, 2}) {
      zeros_resumed = LayerZeroCounts{};
      CHECK(engine_b.predict_resumed(nullptr, count, threads, &held, {}, &zeros_resumed) == full);
      CHECK(same_counts(zeros_resumed, zeros_full));
    }
  }
  CHECK(2 * differs >= resumable);  // the changes matter, so the equalities above are real checks
  return resumable;
}

}  // namespace

TEST_CASE("fast path resumed at any boundary equals a full run on weights changed from there", "[fast][resume]") {
  const uint64_t seed = GENERATE(1, 2, 3);
  const Network net = resume_test_network(seed);
  const int64_t count = FastInference::kBatchImages + 7;  // two batches, the second part-full
  const std::vector<uint8_t> pixels = random_bytes(derive_seed(seed, 3), count * net.input_shape.size());
  CHECK(check_every_boundary(net, pixels, count, seed, true) >= 4);
}

TEST_CASE("fast path resumed on the seed-like SimpleNet, groupnorm parameters changed too", "[fast][resume]") {
  const Network net =
      load_network_json(std::string(LVSIM_SOURCE_DIR) + "/workloads/networks/fmnist-simplenet-normal-q8.json");
  const int64_t count = 12;
  const std::vector<uint8_t> pixels = random_bytes(11, count * net.input_shape.size());
  // The fast path computes each relu that directly follows a groupnorm (its only consumer) in the
  // groupnorm's table, so a run cannot stop between the two; every other boundary is resumable,
  // among them every layer with parameters (the only layers a study resumes at).
  int split_pairs = 0;
  for (const Layer& L : net.layers)
    split_pairs += L.type == LayerType::Relu && net.layers[size_t(L.inputs[0])].type == LayerType::GroupNorm;
  CHECK(split_pairs == 7);  // SimpleNet: seven groupnorm + relu pairs
  CHECK(check_every_boundary(net, pixels, count, 7, false) == int(net.layers.size()) - 1 - split_pairs);
  const FastInference engine(net, stored_weights(net));
  for (int l = 1; l < int(net.layers.size()); ++l)
    if (net.layers[size_t(l)].has_parameters()) CHECK(engine.resumable_at(l));
}

TEST_CASE("fast path boundaries: fused layers are not split, held tensors and chained resumes", "[fast][resume]") {
  const Network net = resume_test_network(1);
  const LayerWeights w = stored_weights(net);
  const FastInference engine(net, w);
  // Independent of the engine: a relu whose producer (a conv or linear read by nothing else) is not
  // the output is fused into it, so the boundary between them cannot be resumed at.
  for (size_t l = 0; l < net.layers.size(); ++l) {
    const Layer& L = net.layers[l];
    if (L.type != LayerType::Relu || L.inputs[0] < 0 || !net.layers[size_t(L.inputs[0])].has_weights()) continue;
    int consumers = 0;
    for (const Layer& M : net.layers)
      for (int src : M.inputs) consumers += src == L.inputs[0];
    if (consumers == 1) CHECK_FALSE(engine.resumable_at(int(l)));
  }
  CHECK_FALSE(engine.resumable_at(0));
  CHECK_FALSE(engine.resumable_at(int(net.layers.size())));
  // Resume at one boundary while capturing two later ones, then resume from each of those.
  const int64_t count = 9;
  const std::vector<uint8_t> pixels = random_bytes(5, count * net.input_shape.size());
  std::vector<int> bs;
  for (int b = 1; b < int(net.layers.size()); ++b)
    if (engine.resumable_at(b)) bs.push_back(b);
  REQUIRE(bs.size() >= 3);
  LayerZeroCounts z0;
  const std::vector<int> full = engine.predict(pixels.data(), count, 1, nullptr, &z0);
  FastActivations first, second, third;
  first.boundary = bs[0];
  second.boundary = bs[1];
  third.boundary = bs.back();
  engine.predict_resumed(pixels.data(), count, 1, nullptr, {&first}, nullptr);
  REQUIRE_THROWS_AS(engine.predict_resumed(pixels.data(), count, 1, &first, {&first}, nullptr), std::invalid_argument);
  engine.predict_resumed(nullptr, count, 2, &first, {&second, &third}, nullptr);
  CHECK(engine.predict_resumed(nullptr, count, 1, &second, {}, nullptr) == full);
  CHECK(engine.predict_resumed(nullptr, count, 1, &third, {}, nullptr) == full);
  // Zero-operand counts need counted activations; a start for other images is refused.
  LayerZeroCounts z;
  CHECK_THROWS_AS(engine.predict_resumed(nullptr, count, 1, &third, {}, &z), std::invalid_argument);
  CHECK_THROWS_AS(engine.predict_resumed(nullptr, count - 1, 1, &third, {}, nullptr), std::invalid_argument);
}
