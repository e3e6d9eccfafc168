// Fast path against the golden engine: every layer output of random networks compared exactly,
// on stored and on corrupted weight patterns, with every kernel the CPU supports, and
// predictions that do not depend on the thread count.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "test_fast_inference_networks.h"
#include "workloads/data/dataset.h"
#include "workloads/import/network_loader.h"
#include "workloads/inference/fast_inference.h"
#include "workloads/inference/reference_inference.h"
#include "workloads/network/network_json.h"

using namespace lvsim;
using lvsim::testing::flipped_weights;
using lvsim::testing::random_bytes;
using lvsim::testing::RandomNetBuilder;
using lvsim::testing::RandomNetOptions;

namespace {

std::vector<Int8Kernel> supported_kernels() {
  std::vector<Int8Kernel> ks;
  for (Int8Kernel k : {Int8Kernel::Portable, Int8Kernel::Avx2, Int8Kernel::Avx512Vnni})
    if (int8_kernel_supported(k)) ks.push_back(k);
  return ks;
}

// A network exercising every layer type with awkward shapes, chosen by the seed.
Network random_network(uint64_t seed, RandomNetOptions opt) {
  RandomNetBuilder b(derive_seed(seed, 1), opt);
  const int in_c = b.uniform(1, 5);
  b.start({in_c, b.uniform(6, 13), b.uniform(6, 13)});
  // Grouped first conv: groups divide both channel counts; sometimes depthwise.
  int groups = 1;
  if (in_c > 1 && b.coin()) groups = in_c;
  const int out1 = groups * b.uniform(1, 7) + (groups == 1 ? b.uniform(0, 20) : 0);
  int x = b.conv(-1, out1, b.uniform(1, 5), b.uniform(1, 5) > 3 ? 5 : 3, b.uniform(1, 2), b.uniform(0, 2), groups);
  x = b.simple(x, LayerType::Relu);
  // Residual block: a shape-preserving conv (dense or depthwise) and an add.
  const Shape s = b.shape_of(x);
  const int y = b.conv(x, s.c, 3, 3, 1, 1, b.coin() ? s.c : 1);
  x = b.add({x, y});
  if (b.shape_of(x).h >= 3)
    x = b.coin() ? b.pool(x, LayerType::MaxPool2d, 2, 2, b.uniform(0, 1))
                 : b.pool(x, LayerType::AvgPool2d, b.uniform(2, 3), b.uniform(1, 2), 0);
  const Shape s2 = b.shape_of(x);
  const int g2 = (s2.c % 2 == 0 && b.coin()) ? 2 : 1;
  x = b.conv(x, g2 * b.uniform(1, 37), std::min(3, s2.h), std::min(3, s2.w), b.uniform(1, 2), b.uniform(0, 1), g2);
  if (b.coin()) x = b.global_avgpool(x);
  x = b.simple(x, LayerType::Flatten);
  x = b.linear(x, b.uniform(1, 70));
  x = b.simple(x, LayerType::Relu);
  x = b.linear(x, b.uniform(2, 12));
  return b.finish_calibrated(x, derive_seed(seed, 2));
}

}  // namespace

TEST_CASE("fast path equals the golden engine on every layer of random networks", "[fast]") {
  const int bits = GENERATE(2, 3, 4, 5, 6, 7, 8);
  const WeightStorage storage = GENERATE(WeightStorage::Unsigned, WeightStorage::TwosComplement);
  const bool per_channel = GENERATE(false, true);
  const uint64_t seed = GENERATE(1, 2, 3);
  const uint64_t case_seed =
      derive_seed(derive_seed(derive_seed(seed, uint64_t(bits)), uint64_t(storage)), per_channel);
  const Network net = random_network(case_seed, {bits, storage, per_channel});
  const LayerWeights stored = stored_weights(net);
  const int64_t image_size = net.input_shape.size();
  const std::vector<uint8_t> pixels = random_bytes(derive_seed(case_seed, 4), 3 * image_size);
  INFO("bits " << bits << " storage " << int(storage) << " per_channel " << per_channel << " seed " << seed);

  for (bool faulty : {false, true}) {
    const LayerWeights w = faulty ? flipped_weights(net, derive_seed(case_seed, 5)) : stored;
    for (Int8Kernel k : supported_kernels()) {
      INFO("faulty " << faulty << " kernel " << int8_kernel_name(k));
      const FastInference fast(net, w, k);
      for (int64_t img = 0; img < 3; ++img) {
        const auto golden = run_all_layers(net, pixels.data() + img * image_size, w);
        const auto got = fast.run_all_layers(pixels.data() + img * image_size);
        REQUIRE(got.size() == golden.size());
        for (size_t l = 0; l < golden.size(); ++l) {
          INFO("layer " << l << " " << net.layers[l].name);
          REQUIRE(got[l] == golden[l]);
        }
      }
    }
  }
}

TEST_CASE("fast path outputs are not constant (the comparison can fail)", "[fast]") {
  // Guards the test above: the random networks must produce varied, non-saturated codes.
  const Network net = random_network(7, {8, WeightStorage::Unsigned, false});
  const std::vector<uint8_t> pixels = random_bytes(8, net.input_shape.size());
  const auto outs = FastInference(net, stored_weights(net)).run_all_layers(pixels.data());
  for (size_t l = 0; l < outs.size(); ++l) {
    if (!net.layers[l].has_weights()) continue;
    int mid = 0;
    for (uint8_t v : outs[l]) mid += v > 0 && v < 255;
    INFO("layer " << l);
    CHECK(mid * 3 > int(outs[l].size()));
  }
}

TEST_CASE("fast path predictions equal golden and do not depend on the thread count", "[fast]") {
  const uint64_t seed = GENERATE(11, 12);
  const Network net = random_network(seed, {4, WeightStorage::TwosComplement, true});
  const int64_t count = 3 * FastInference::kBatchImages + 5;  // a partial last batch
  const std::vector<uint8_t> pixels = random_bytes(seed + 100, count * net.input_shape.size());
  const LayerWeights w = stored_weights(net);
  const auto golden = predict(net, pixels.data(), count, w, 1);
  const FastInference fast(net, w);
  // Output codes of the fused predict path, image by image, against golden.
  std::vector<uint8_t> golden_scores;
  for (int64_t i = 0; i < count; ++i) {
    const auto outs = run_all_layers(net, pixels.data() + i * net.input_shape.size(), w);
    golden_scores.insert(golden_scores.end(), outs[size_t(net.output)].begin(), outs[size_t(net.output)].end());
  }
  CHECK(fast.scores(pixels.data(), count, 2) == golden_scores);
  CHECK(fast.predict(pixels.data(), count, 1) == golden);
  CHECK(fast.predict(pixels.data(), count, 2) == golden);
  CHECK(fast.predict(pixels.data(), count, 5) == golden);
}

TEST_CASE("fast path rejects weight vectors of the wrong size", "[fast]") {
  const Network net = random_network(3, {8, WeightStorage::Unsigned, false});
  LayerWeights w = stored_weights(net);
  w[0].pop_back();
  CHECK_THROWS_AS(FastInference(net, w), std::invalid_argument);
}

TEST_CASE("fast path equals the golden engine on the imported test networks", "[fast]") {
  const std::string name =
      GENERATE(as<std::string>{}, "tiny-conv", "tiny-linear", "tiny-conv-float", "tiny-linear-float");
  const Network net = load_network(std::string(LVSIM_SOURCE_DIR) + "/tests/data/" + name + ".json");
  const int64_t count = 40;
  const std::vector<uint8_t> pixels = random_bytes(derive_seed(77, name.size()), count * net.input_shape.size());
  const LayerWeights w = stored_weights(net);
  const FastInference fast(net, w);
  for (int64_t i = 0; i < 4; ++i) {
    INFO(name << " image " << i);
    CHECK(fast.run_all_layers(pixels.data() + i * net.input_shape.size()) ==
          run_all_layers(net, pixels.data() + i * net.input_shape.size(), w));
  }
  CHECK(fast.predict(pixels.data(), count, 2) == predict(net, pixels.data(), count, w, 1));
}

TEST_CASE("fast path equals the golden engine on the shipped CNN and Fashion-MNIST images", "[fast][shipped]") {
  const std::string net_path = std::string(LVSIM_SOURCE_DIR) + "/workloads/networks/fmnist-cnn.json";
  const std::string data_dir = "/usr/share/datasets/fashion-mnist";
  if (!std::filesystem::exists(net_path) || !std::filesystem::exists(data_dir)) {
    FAIL(
        "shipped network or data set not present (CI installs dataset-fashion-mnist): a test never passes by skipping");
  }
  const Network net = load_network(net_path);
  const Dataset data = load_dataset(data_dir, Split::Test, 300);
  const LayerWeights w = stored_weights(net);
  const FastInference fast(net, w);
  CHECK(fast.run_all_layers(data.image(0)) == run_all_layers(net, data.image(0), w));
  CHECK(fast.predict(data.pixels.data(), data.count, 2) == predict(net, data.pixels.data(), data.count, w, 2));
}
