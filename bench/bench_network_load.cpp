// Load time of a 10 M-parameter network file (target: < 2 s), with float32 weights (quantized at
// import) and with 8-bit quantized codes. The files are generated once in the temp directory:
// input 3x32x32 -> conv 3->16 3x3 pad 1 -> relu -> flatten (16384) -> linear 576 -> relu ->
// linear 960 -> relu -> linear 10: 432 + 9,437,184 + 552,960 + 9,600 = 10,000,176 weights.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>

#include "common/rng.h"
#include "workloads/import/network_loader.h"
#include "workloads/network/network_json.h"
#include "workloads/network/tensor_codec.h"

namespace lvsim {
namespace {

struct WeightLayer {
  const char* name;
  std::vector<int64_t> shape;
};

const std::vector<WeightLayer> kWeights = {
    {"conv1", {16, 3, 3, 3}}, {"fc1", {576, 16384}}, {"fc2", {960, 576}}, {"fc3", {10, 960}}};

nlohmann::json weight_json(const WeightLayer& w, size_t index, bool quantized, uint64_t seed) {
  int64_t n = 1;
  for (auto s : w.shape) n *= s;
  SplitMix64 rng(derive_seed(seed, index));
  if (!quantized) {
    std::vector<double> v(static_cast<size_t>(n));
    for (auto& x : v) x = (rng.uniform() - 0.5) * 0.1;
    return {{"float", float_tensor_json(DType::Float32, w.shape, v, true)}};
  }
  std::vector<int32_t> codes(static_cast<size_t>(n));
  for (auto& c : codes) c = int32_t(rng.next() & 255);
  return {{"quantized",
           {{"bits", 8},
            {"storage", "unsigned"},
            {"granularity", "per_tensor"},
            {"scale", {0.001}},
            {"zero_point", {128}},
            {"codes", int_tensor_json(DType::UInt8, w.shape, codes, true)}}}};
}

std::string make_network_file(bool quantized) {
  const auto path = std::filesystem::temp_directory_path() /
                    (quantized ? "lvsim_bench_network_10m_quantized.json" : "lvsim_bench_network_10m_float.json");
  if (std::filesystem::exists(path)) return path.string();
  auto q = [](double s, int z) { return nlohmann::json{{"scale", s}, {"zero_point", z}}; };
  nlohmann::json layers = nlohmann::json::array();
  layers.push_back({{"name", "conv1"},
                    {"type", "conv2d"},
                    {"input", "input"},
                    {"out_channels", 16},
                    {"kernel", {3, 3}},
                    {"padding", {1, 1}},
                    {"weight", weight_json(kWeights[0], 0, quantized, 1)},
                    {"output_quant", q(0.05, 128)}});
  layers.push_back({{"name", "relu1"}, {"type", "relu"}, {"input", "conv1"}});
  layers.push_back({{"name", "flat"}, {"type", "flatten"}, {"input", "relu1"}});
  std::string prev = "flat";
  for (int i = 1; i <= 3; ++i) {
    const auto& w = kWeights[size_t(i)];
    layers.push_back({{"name", w.name},
                      {"type", "linear"},
                      {"input", prev},
                      {"out_features", w.shape[0]},
                      {"weight", weight_json(w, size_t(i), quantized, 1)},
                      {"output_quant", q(0.1, 0)}});
    prev = w.name;
    if (i < 3) {
      layers.push_back({{"name", prev + "_relu"}, {"type", "relu"}, {"input", prev}});
      prev += "_relu";
    }
  }
  nlohmann::json doc = {{"format", "lvsim-network"},
                        {"version", 1},
                        {"name", "bench-10m"},
                        {"input", {{"shape", {3, 32, 32}}, {"quant", q(0.02, 100)}}},
                        {"weight_quantization", {{"bits", 8}}},
                        {"layers", layers}};
  const auto tmp = path.string() + ".tmp";
  std::ofstream(tmp, std::ios::binary) << doc.dump();
  std::filesystem::rename(tmp, path);
  return path.string();
}

void load(benchmark::State& state, bool quantized) {
  const std::string path = make_network_file(quantized);
  int64_t weights = 0;
  for (auto _ : state) {
    Network net = load_network(path);
    weights = net.total_weights();
    benchmark::DoNotOptimize(net);
  }
  state.counters["weights"] = double(weights);
  state.counters["file_MB"] = double(std::filesystem::file_size(path)) / 1e6;
}

void BM_LoadNetwork10M_Float32(benchmark::State& state) {
  load(state, false);
}
void BM_LoadNetwork10M_Quantized(benchmark::State& state) {
  load(state, true);
}

BENCHMARK(BM_LoadNetwork10M_Float32)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_LoadNetwork10M_Quantized)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace
}  // namespace lvsim

BENCHMARK_MAIN();
