// Per-image weight changes inside the batched fast path (how transient read errors run): every
// image's prediction and output codes must equal the golden engine run on that image's own
// patched weights, on networks exercising grouped/padded convs, fused and unfused pools, zero
// padding skipped, residual adds, flatten -> linear, for every storage and several bit widths.
#include <catch2/catch.hpp>

#include <vector>

#include "test_fast_inference_networks.h"
#include "workloads/inference/fast_inference.h"
#include "workloads/inference/reference_inference.h"

using namespace lvsim;
using lvsim::testing::random_bytes;
using lvsim::testing::RandomNetBuilder;
using lvsim::testing::RandomNetOptions;

namespace {

Network change_test_network(uint64_t seed, RandomNetOptions opt) {
  RandomNetBuilder b(derive_seed(seed, 1), opt);
  const int in_c = b.uniform(1, 4);
  b.start({in_c, b.uniform(6, 12), b.uniform(6, 12)});
  int x = b.conv(-1, in_c * b.uniform(1, 9), b.uniform(1, 5), 3, b.uniform(1, 2), b.uniform(0, 2), b.coin() ? in_c : 1);
  x = b.simple(x, LayerType::Relu);
  const Shape s = b.shape_of(x);
  x = b.add({x, b.conv(x, s.c, 3, 3, 1, 1, 1)});
  if (b.shape_of(x).h >= 3) x = b.pool(x, LayerType::MaxPool2d, 2, b.uniform(1, 2), 0);
  const Shape s2 = b.shape_of(x);
  const int g = (s2.c % 2 == 0 && b.coin()) ? 2 : 1;
  x = b.conv(x, g * b.uniform(1, 20), std::min(3, s2.h), std::min(3, s2.w), 1, b.uniform(0, 1), g);
  x = b.simple(x, LayerType::Relu);
  if (b.shape_of(x).h >= 2 && b.shape_of(x).w >= 2) x = b.pool(x, LayerType::MaxPool2d, 2, 2, 0);
  x = b.simple(x, LayerType::Flatten);
  x = b.linear(x, b.uniform(1, 40));
  x = b.simple(x, LayerType::Relu);
  x = b.linear(x, b.uniform(2, 12));
  return b.finish_calibrated(x, derive_seed(seed, 2));
}

// Image i's changes: about 2% of the weights of every layer set to a random pattern (some equal
// to the old one, which is no change), drawn from (seed, i) alone.
std::vector<WeightChange> image_changes(const Network& net, uint64_t seed, int64_t image) {
  SplitMix64 r(derive_seed(seed, uint64_t(image)));
  std::vector<WeightChange> ch;
  for (size_t l = 0; l < net.layers.size(); ++l) {
    const WeightTensor& W = net.layers[l].weight;
    for (size_t i = 0; i < W.stored.size(); ++i)
      if (r.uniform() < 0.02) ch.push_back({int(l), int64_t(i), uint8_t(r.next() & ((1u << W.bits) - 1))});
  }
  return ch;
}

}  // namespace

TEST_CASE("fast path with per-image weight changes equals golden on each image's own weights", "[fast][transient]") {
  const int bits = GENERATE(2, 5, 8);
  const WeightStorage storage = GENERATE(WeightStorage::Unsigned, WeightStorage::TwosComplement);
  const bool zero_points_zero = GENERATE(false, true);
  const uint64_t seed = GENERATE(1, 2, 3);
  RandomNetOptions opt{bits, storage, false, zero_points_zero};
  const uint64_t case_seed = derive_seed(derive_seed(seed, uint64_t(bits)), uint64_t(storage) * 2 + zero_points_zero);
  const Network net = change_test_network(case_seed, opt);
  const int64_t count = FastInference::kBatchImages + 5;  // two batches, the second part-full
  const std::vector<uint8_t> pixels = random_bytes(derive_seed(case_seed, 3), count * net.input_shape.size());
  const LayerWeights base = stored_weights(net);
  const uint64_t change_seed = derive_seed(case_seed, 4);
  const ImageWeightChanges changes = [&](int64_t image, std::vector<WeightChange>& out) {
    out = image_changes(net, change_seed, image);
  };
  INFO("bits " << bits << " storage " << int(storage) << " zero points 0 " << zero_points_zero << " seed " << seed);

  std::vector<int> golden;
  std::vector<uint8_t> golden_codes;
  int64_t changed_predictions = 0;
  for (int64_t i = 0; i < count; ++i) {
    LayerWeights w = base;
    for (const WeightChange& c : image_changes(net, change_seed, i)) w[size_t(c.layer)][size_t(c.index)] = c.pattern;
    const auto outs = run_all_layers(net, pixels.data() + i * net.input_shape.size(), w);
    golden.push_back(argmax_class(outs[size_t(net.output)]));
    golden_codes.insert(golden_codes.end(), outs[size_t(net.output)].begin(), outs[size_t(net.output)].end());
    const auto clean = run_all_layers(net, pixels.data() + i * net.input_shape.size(), base);
    changed_predictions += clean[size_t(net.output)] != outs[size_t(net.output)];
  }
  CHECK(changed_predictions > 0);  // the changes matter, so equality below is a real check

  const FastInference engine(net, base);
  for (int threads : {1, 2}) {
    CHECK(engine.predict(pixels.data(), count, threads, changes) == golden);
    CHECK(engine.scores(pixels.data(), count, threads, changes) == golden_codes);
  }
  // Without changes the same engine still gives the base weights' results.
  std::vector<int> clean;
  for (int64_t i = 0; i < count; ++i)
    clean.push_back(
        argmax_class(run_all_layers(net, pixels.data() + i * net.input_shape.size(), base)[size_t(net.output)]));
  CHECK(engine.predict(pixels.data(), count, 2) == clean);
}
