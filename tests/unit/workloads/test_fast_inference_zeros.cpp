// Zero-activation MACs counted by the fast path in its prediction pass (the count behind
// zero-operand gating) against a brute-force im2col walk over the golden engine's layer inputs,
// written here: random networks (relus make many zero codes), any thread count, and the shipped CNN.
#include <catch2/catch.hpp>

#include <string>

#include "test_fast_inference_networks.h"
#include "workloads/dataset.h"
#include "workloads/fast_inference.h"
#include "workloads/network_json.h"
#include "workloads/reference_inference.h"

using namespace lvsim;
using lvsim::testing::random_bytes;
using lvsim::testing::RandomNetBuilder;
using lvsim::testing::RandomNetOptions;

namespace {

/// Every (output pixel, kernel tap, input channel of the group) entry of the layer's im2col
/// matrix whose activation is the input zero point or padding, times the filters of a group.
int64_t brute_force_zero_macs(const Layer& L, const std::vector<uint8_t>& in_chw) {
  if (!L.has_weights()) return 0;
  const Shape in = L.in_shape, out = L.out_shape;
  const int cg = in.c / L.groups;
  int64_t zeros = 0;
  for (int g = 0; g < L.groups; ++g)
    for (int oy = 0; oy < out.h; ++oy)
      for (int ox = 0; ox < out.w; ++ox)
        for (int c = g * cg; c < (g + 1) * cg; ++c)
          for (int ky = 0; ky < L.kernel_h; ++ky)
            for (int kx = 0; kx < L.kernel_w; ++kx) {
              const int iy = oy * L.stride_h - L.pad_h + ky, ix = ox * L.stride_w - L.pad_w + kx;
              const bool pad = iy < 0 || iy >= in.h || ix < 0 || ix >= in.w;
              zeros += pad || in_chw[size_t((int64_t(c) * in.h + iy) * in.w + ix)] == L.in_quant.zero_point;
            }
  return zeros * (L.out_channels / L.groups);
}

std::vector<int64_t> brute_force(const Network& net, const uint8_t* pixels, int64_t count, const LayerWeights& w) {
  std::vector<int64_t> z(net.layers.size(), 0);
  for (int64_t i = 0; i < count; ++i) {
    const uint8_t* px = pixels + i * net.input_shape.size();
    const auto outs = run_all_layers(net, px, w);
    const std::vector<uint8_t> input = preprocess_image(net, px);
    for (size_t l = 0; l < net.layers.size(); ++l) {
      const int src = net.layers[l].inputs.empty() ? -1 : net.layers[l].inputs[0];
      z[l] += brute_force_zero_macs(net.layers[l], src < 0 ? input : outs[size_t(src)]);
    }
  }
  return z;
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

TEST_CASE("fast path counts zero-activation MACs exactly, for any thread count", "[fast][zeros]") {
  const uint64_t seed = GENERATE(21, 22, 23);
  const Network net = zero_test_network(seed);
  const int64_t count = FastInference::kBatchImages + 7;
  const std::vector<uint8_t> pixels = random_bytes(seed + 5, count * net.input_shape.size());
  const LayerWeights w = stored_weights(net);
  const std::vector<int64_t> want = brute_force(net, pixels.data(), count, w);
  int64_t total = 0;
  for (int64_t z : want) total += z;
  REQUIRE(total > 0);  // relus and padding: the comparison below can fail
  const FastInference fast(net, w);
  for (int threads : {1, 3}) {
    std::vector<int64_t> got;
    const std::vector<int> pred = fast.predict(pixels.data(), count, threads, nullptr, &got);
    CHECK(got == want);
    CHECK(pred == predict(net, pixels.data(), count, w, 1));
  }
}

TEST_CASE("fast path zero-activation MACs on the shipped CNN", "[fast][zeros][shipped]") {
  const Network net = load_network(std::string(LVSIM_SOURCE_DIR) + "/workloads/networks/fmnist-cnn.json");
  const Dataset data = load_dataset("/usr/share/datasets/fashion-mnist", Split::Test, 50);
  const LayerWeights w = stored_weights(net);
  std::vector<int64_t> got;
  FastInference(net, w).predict(data.pixels.data(), data.count, 2, nullptr, &got);
  CHECK(got == brute_force(net, data.pixels.data(), data.count, w));
}
