// Calibration (min-max over 512 Fashion-MNIST training images) with calibration's float kernels
// side by side in one run: Eigen im2col + GEMM (FloatKernels::Gemm, now) against the previous
// direct loops (FloatKernels::Loops), on three float networks: the shipped CNN and the shipped
// narrow SimpleNet with their activation quantizations removed (int32 biases turned back into
// float at the scale they were quantized at), and the seed-width SimpleNet of
// tools/torch/simplenet.py (SEED: 136 M MAC per image) with random weights.
// Before timing, both kernels calibrate each network once and the program prints how many of
// the calibrated scales and zero points are identical and the largest relative scale difference.
//   build/bench/bench_calibration [--benchmark_filter=seed] [--benchmark_min_time=0]
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "common/rng.h"
#include "workloads/data/dataset.h"
#include "workloads/import/calibration.h"
#include "workloads/import/network_loader.h"
#include "workloads/network/network_json.h"

using namespace lvsim;

namespace {

constexpr int64_t kImages = 512;
const char* const kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

// The network as calibration sees a float model: every activation quantization unknown.
Network without_activation_quant(Network net) {
  net.input_quant_given = false;
  for (Layer& l : net.layers) {
    if (l.has_weights() && l.bias_real.empty() && !l.bias.empty()) {
      for (size_t o = 0; o < l.bias.size(); ++o)
        l.bias_real.push_back(double(l.bias[o]) * l.in_quant.scale * l.weight.scale[o]);
      l.bias.clear();
    }
    l.out_quant_given = false;
  }
  return net;
}

nlohmann::json float_tensor(SplitMix64& rng, std::vector<int> shape, double range, double offset = 0.0) {
  int64_t n = 1;
  for (int s : shape) n *= s;
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = float(offset + (2.0 * rng.uniform() - 1.0) * range);
  return {{"float", {{"dtype", "float32"}, {"shape", shape}, {"data", v}}}};
}

// tools/torch/simplenet.py's SEED stages: conv (3x3 pad 1, or 1x1) -> groupnorm (min(32, C/4)
// groups, gamma_offset 1) -> relu, 2x2 max pools, global average pool, linear 10. Random weights.
Network seed_simplenet() {
  struct Stage {
    int out, k;  // out 0: a pool
  };
  const std::vector<Stage> stages = {{32, 3},  {64, 3}, {64, 3},  {64, 3},   {0, 0},   {64, 3}, {64, 3},
                                     {128, 3}, {0, 0},  {256, 3}, {1024, 1}, {128, 1}, {0, 0},  {128, 3}};
  SplitMix64 rng(derive_seed(24, 5000));
  nlohmann::json layers = nlohmann::json::array();
  std::string prev = "input";
  int c = 1, convs = 0, pools = 0;
  for (const Stage& s : stages) {
    if (s.out == 0) {
      const std::string name = "pool" + std::to_string(++pools);
      layers.push_back(
          {{"name", name}, {"type", "maxpool2d"}, {"input", prev}, {"kernel", {2, 2}}, {"stride", {2, 2}}});
      prev = name;
      continue;
    }
    const std::string i = std::to_string(++convs);
    const double bound = std::sqrt(6.0 / double(c * s.k * s.k));  // He-uniform
    layers.push_back({{"name", "conv" + i},
                      {"type", "conv2d"},
                      {"input", prev},
                      {"out_channels", s.out},
                      {"kernel", {s.k, s.k}},
                      {"padding", {s.k / 2, s.k / 2}},
                      {"weight", float_tensor(rng, {s.out, c, s.k, s.k}, bound)},
                      {"bias", float_tensor(rng, {s.out}, 0.1)["float"]}});
    layers.push_back({{"name", "gn" + i},
                      {"type", "groupnorm"},
                      {"input", "conv" + i},
                      {"groups", std::max(1, std::min(32, s.out / 4))},
                      {"eps", 1e-5},
                      {"gamma_offset", 1.0},
                      {"gamma", float_tensor(rng, {s.out}, 0.2)},
                      {"beta", float_tensor(rng, {s.out}, 0.2)}});
    layers.push_back({{"name", "relu" + i}, {"type", "relu"}, {"input", "gn" + i}});
    prev = "relu" + i;
    c = s.out;
  }
  layers.push_back({{"name", "gap"}, {"type", "avgpool2d"}, {"input", prev}, {"global", true}});
  layers.push_back({{"name", "fc"},
                    {"type", "linear"},
                    {"input", "gap"},
                    {"out_features", 10},
                    {"weight", float_tensor(rng, {10, c}, std::sqrt(6.0 / c))}});
  const nlohmann::json doc = {
      {"format", "lvsim-network"},
      {"version", 1},
      {"name", "simplenet-seed-random"},
      {"input",
       {{"shape", {1, 28, 28}}, {"preprocess", {{"pixel_scale", 1.0 / 255}, {"mean", {0.286}}, {"std", {0.353}}}}}},
      {"weight_quantization", {{"bits", 8}}},
      {"layers", layers},
      {"output", "fc"}};
  return import_network(doc, "simplenet-seed-random");
}

const Dataset& train_images() {
  static const Dataset d = [] {
    if (std::filesystem::exists(kFashionMnistDir)) return load_dataset(kFashionMnistDir, Split::Train, kImages);
    Dataset r;  // random pixels when the data set is not installed
    r.source = "random";
    r.count = kImages;
    r.image_shape = Shape{1, 28, 28};
    SplitMix64 rng(derive_seed(24, 5001));
    for (int64_t i = 0; i < kImages * 784; ++i) r.pixels.push_back(uint8_t(rng.next()));
    r.labels.assign(size_t(kImages), 0);
    return r;
  }();
  return d;
}

struct Networks {
  std::vector<std::pair<std::string, Network>> list;
  Networks() {
    const std::string dir = std::string(LVSIM_SOURCE_DIR) + "/workloads/networks/";
    list.emplace_back("cnn", without_activation_quant(load_network(dir + "fmnist-cnn.json")));
    list.emplace_back("simplenet-narrow",
                      without_activation_quant(load_network(dir + "fmnist-simplenet-normal-q8.json")));
    list.emplace_back("simplenet-seed", seed_simplenet());
  }
};

const Networks& networks() {
  static const Networks n;
  return n;
}

// Calibrates with both kernels once and prints how the quantizations compare.
void compare_kernels(const std::string& name, const Network& net) {
  Network a = net, b = net;
  calibrate(a, train_images(), kImages, CalibrationMethod::MinMax, 0, FloatKernels::Loops);
  calibrate(b, train_images(), kImages, CalibrationMethod::MinMax, 0, FloatKernels::Gemm);
  int same = 1, total = 1, zp_same = 1;
  double max_rel = std::fabs(a.input_quant.scale - b.input_quant.scale) / a.input_quant.scale;
  same -= a.input_quant.scale != b.input_quant.scale;
  zp_same -= a.input_quant.zero_point != b.input_quant.zero_point;
  for (size_t l = 0; l < a.layers.size(); ++l) {
    const Layer& la = a.layers[l];
    if (!la.has_parameters() && la.type != LayerType::Add) continue;
    const ActivationQuant &qa = la.out_quant, &qb = b.layers[l].out_quant;
    ++total;
    same += qa.scale == qb.scale;
    zp_same += qa.zero_point == qb.zero_point;
    max_rel = std::max(max_rel, std::fabs(qa.scale - qb.scale) / qa.scale);
  }
  std::printf(
      "%-17s %lld MMAC/image: %d of %d calibrated scales identical (loops vs gemm), max relative "
      "difference %.3g; %d of %d zero points identical\n",
      name.c_str(), (long long)(net.total_macs() / 1000000), same, total, max_rel, zp_same, total);
}

void BM_Calibrate(benchmark::State& state) {
  const auto& [name, net] = networks().list.at(size_t(state.range(0)));
  const FloatKernels kernels = state.range(1) ? FloatKernels::Gemm : FloatKernels::Loops;
  const int threads = int(state.range(2));
  for (auto _ : state) {
    Network n = net;
    calibrate(n, train_images(), kImages, CalibrationMethod::MinMax, threads, kernels);
    benchmark::DoNotOptimize(n.layers.back().out_quant.scale);
  }
  state.SetLabel(name + (kernels == FloatKernels::Gemm ? " gemm" : " loops") + " " + std::to_string(threads) +
                 " thread(s), 512 " + (train_images().source == "random" ? "random" : "fashion-mnist-train") +
                 " images");
}

}  // namespace

// Arguments: network (0 cnn, 1 simplenet-narrow, 2 simplenet-seed), kernels (0 loops, 1 gemm), threads.
BENCHMARK(BM_Calibrate)
    ->ArgsProduct({{0, 1, 2}, {0, 1}, {1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(1);

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  for (const auto& [name, net] : networks().list) compare_kernels(name, net);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
