// Zero-operand MACs counted by the fast path in its prediction pass (the count behind
// zero-operand gating) against a brute-force im2col walk (tests/unit/models/models_test_util.h) over
// the golden engine's layer inputs, and the zero input codes (activation sparsity) against a plain
// count of the codes equal to the layer's input zero point in the same inputs: random networks
// (relus make many zero codes), any thread count, per-image weight changes, and the shipped CNN.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "test_fast_inference_networks.h"
#include "tests/support/models_test_util.h"
#include "workloads/data/dataset.h"
#include "workloads/import/network_loader.h"
#include "workloads/inference/fast_inference.h"
#include "workloads/inference/reference_inference.h"
#include "workloads/network/network_json.h"

using namespace lvsim;
using lvsim::testing::random_bytes;
using lvsim::testing::RandomNetBuilder;
using lvsim::testing::RandomNetOptions;

namespace {

/// Brute-force zero-operand MACs and zero input codes of the conv/linear layers over `count`
/// images, image i on `w` with changes(i) applied.
LayerZeroCounts brute_force(const Network& net, const uint8_t* pixels, int64_t count, const LayerWeights& w,
                            const ImageWeightChanges& changes = nullptr) {
  std::vector<int64_t> z(net.layers.size(), 0), codes(net.layers.size(), 0);
  std::vector<WeightChange> ch;
  for (int64_t i = 0; i < count; ++i) {
    LayerWeights wi = w;
    ch.clear();
    if (changes) changes(i, ch);
    for (const WeightChange& c : ch) wi[size_t(c.layer)][size_t(c.index)] = c.pattern;
    const uint8_t* px = pixels + i * net.input_shape.size();
    const auto outs = run_all_layers(net, px, wi);
    const std::vector<uint8_t> input = preprocess_image(net, px);
    for (size_t l = 0; l < net.layers.size(); ++l) {
      const int src = net.layers[l].inputs.empty() ? -1 : net.layers[l].inputs[0];
      const std::vector<uint8_t>& in = src < 0 ? input : outs[size_t(src)];
      z[l] += test::brute_force_zero_operand_macs(net.layers[l], in, &wi[l]);
      if (net.layers[l].has_weights())
        codes[l] += std::count(in.begin(), in.end(), uint8_t(net.layers[l].in_quant.zero_point));
    }
  }
  return {z, codes};
}

/// Each weight of the network, with probability 1/8, set to its filter's zero point (pruned).
LayerWeights pruned_weights(const Network& net, uint64_t seed) {
  LayerWeights w = stored_weights(net);
  SplitMix64 r(seed);
  for (size_t l = 0; l < net.layers.size(); ++l) {
    const WeightTensor& W = net.layers[l].weight;
    for (size_t i = 0; i < w[l].size(); ++i)
      if (r.next() % 8 == 0) w[l][i] = test::zero_weight_pattern(W, int64_t(i));
  }
  return w;
}

// Padded and grouped convs, relus (zero codes), a fused max-pool, and linears after a flatten
// (which read their channels-last source directly).
Network zero_test_network(uint64_t seed) {
  RandomNetBuilder b(derive_seed(seed, 1), {8, WeightStorage::Unsigned, seed % 2 == 0});
  const int in_c = b.uniform(1, 4);
  b.start({in_c, b.uniform(7, 12), b.uniform(7, 12)});
  const int groups = in_c > 1 && b.coin() ? in_c : 1;
  int x = b.conv(-1, groups * b.uniform(2, 6), 3, 3, b.uniform(1, 2), b.uniform(0, 2), groups);
  x = b.simple(x, LayerType::Relu);
  const Shape s = b.shape_of(x);
  x = b.conv(x, b.uniform(3, 20), std::min(3, s.h), std::min(3, s.w), 1, 1, 1);
  x = b.simple(x, LayerType::Relu);
  if (b.shape_of(x).h >= 2 && b.shape_of(x).w >= 2) x = b.pool(x, LayerType::MaxPool2d, 2, 2, 0);
  x = b.simple(x, LayerType::Flatten);
  x = b.linear(x, b.uniform(4, 40));
  x = b.simple(x, LayerType::Relu);
  x = b.linear(x, b.uniform(2, 10));
  return b.finish_calibrated(x, derive_seed(seed, 2));
}

}  // namespace

TEST_CASE("fast path counts zero-operand MACs exactly, for any thread count", "[fast][zeros]") {
  const uint64_t seed = GENERATE(21, 22, 23);
  const Network net = zero_test_network(seed);
  const int64_t count = FastInference::kBatchImages + 7;
  const std::vector<uint8_t> pixels = random_bytes(seed + 5, count * net.input_shape.size());
  const LayerWeights w = pruned_weights(net, seed + 9);
  const LayerZeroCounts want = brute_force(net, pixels.data(), count, w);
  int64_t total = 0, zero_codes = 0;
  for (int64_t z : want.operand_macs) total += z;
  for (int64_t z : want.activation_codes) zero_codes += z;
  REQUIRE(total > 0);       // relus and padding: the comparison below can fail
  REQUIRE(zero_codes > 0);  // relus: zero activations to count
  const FastInference fast(net, w);
  for (int threads : {1, 3}) {
    LayerZeroCounts got;
    const std::vector<int> pred = fast.predict(pixels.data(), count, threads, nullptr, &got);
    CHECK(got.operand_macs == want.operand_macs);
    CHECK(got.activation_codes == want.activation_codes);
    CHECK(pred == predict(net, pixels.data(), count, w, 1));
  }
}

TEST_CASE("fast path zero-operand MACs on the shipped CNN", "[fast][zeros][shipped]") {
  const Network net = load_network(std::string(LVSIM_SOURCE_DIR) + "/workloads/networks/fmnist-cnn.json");
  const Dataset data = load_dataset("/usr/share/datasets/fashion-mnist", Split::Test, 50);
  const LayerWeights w = stored_weights(net);
  LayerZeroCounts got;
  FastInference(net, w).predict(data.pixels.data(), data.count, 2, nullptr, &got);
  const LayerZeroCounts want = brute_force(net, data.pixels.data(), data.count, w);
  CHECK(got.operand_macs == want.operand_macs);
  CHECK(got.activation_codes == want.activation_codes);
}

TEST_CASE("fast path zero-operand MACs with per-image weight changes (weights becoming or ceasing to be zero)",
          "[fast][zeros]") {
  const uint64_t seed = GENERATE(31, 32, 33);
  const Network net = zero_test_network(seed);
  const int64_t count = FastInference::kBatchImages + 5;
  const std::vector<uint8_t> pixels = random_bytes(seed + 5, count * net.input_shape.size());
  const LayerWeights w = pruned_weights(net, seed + 9);
  // Per image: a few weights set to their zero point, a few zero ones given another pattern, and
  // a few arbitrary patterns, all drawn from the image's own seed.
  const ImageWeightChanges changes = [&](int64_t image, std::vector<WeightChange>& out) {
    out.clear();
    SplitMix64 r(derive_seed(seed, uint64_t(image)));
    for (size_t l = 0; l < net.layers.size(); ++l) {
      if (!net.layers[l].has_weights()) continue;
      const WeightTensor& W = net.layers[l].weight;
      std::vector<char> used(w[l].size(), 0);
      for (int j = 0; j < 6; ++j) {
        const int64_t i = int64_t(r.next() % w[l].size());
        if (used[size_t(i)]) continue;
        used[size_t(i)] = 1;
        const uint8_t zero = test::zero_weight_pattern(W, i);
        const uint8_t other = uint8_t(r.next() & ((1u << W.bits) - 1));
        out.push_back({int(l), i, j % 2 == 0 ? zero : (w[l][size_t(i)] == zero ? uint8_t(zero ^ 1) : other)});
      }
    }
  };
  const LayerZeroCounts want = brute_force(net, pixels.data(), count, w, changes);
  REQUIRE(want.operand_macs != brute_force(net, pixels.data(), count, w).operand_macs);  // the changes move the count
  const FastInference fast(net, w);
  for (int threads : {1, 2}) {
    LayerZeroCounts got;
    fast.predict(pixels.data(), count, threads, changes, &got);
    CHECK(got.operand_macs == want.operand_macs);
    CHECK(got.activation_codes == want.activation_codes);
  }
}
