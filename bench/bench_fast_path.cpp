// Fast-path throughput: whole-network images/s (1 and 2 threads) on the reference CNN over the
// 10,000 Fashion-MNIST test images, the GEMM of each of its conv/linear layers alone, the dense
// 196*B x 800 x 64 GEMM (the second conv's shape) for every kernel, and this machine's vpdpbusd
// ceiling (register-resident, per thread count) to compare them with. Uses
// workloads/networks/fmnist-cnn.json and /usr/share/datasets/fashion-mnist when present, else the
// same architecture with random weights and random pixels (the label says which).
// `bench_fast_path --side-by-side[=ROUNDS]` instead measures, in one run and alternating every
// round, the int8 ceiling, the fast path before issue 24's kernel work (bench/previous/) and the
// current one, on the shipped CNN and the seed-like SimpleNet, 1 and 2 threads, zero-operand
// counting off and on, and prints medians and ratios, then where the time goes per layer and
// stage (FastInference::profile). Figures: docs/performance.md.
#include <benchmark/benchmark.h>

#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>

#include "bench/previous/fast_inference.h"
#include "common/rng.h"
#include "workloads/data/dataset.h"
#include "workloads/import/network_loader.h"
#include "workloads/inference/fast_inference.h"
#include "workloads/inference/int8_gemm.h"
#include "workloads/network/network_json.h"
#include "workloads/network/quantization.h"

using namespace lvsim;

namespace {

constexpr int64_t kImages = 10000;

// The reference CNN's architecture (11.47 M MAC/image) with random 8-bit weights and asymmetric
// zero points (so the sum-of-activations correction runs, as with "robust" quantization).
Network reference_cnn_random() {
  SplitMix64 r(42);
  Network net;
  net.name = "fmnist-cnn-random";
  net.input_shape = {1, 28, 28};
  net.input_quant = {0.02, 30};
  net.preprocess.mean = {0.0};
  net.preprocess.std = {1.0};
  net.preprocess.multiplier = {int64_t(1) << 24};
  net.preprocess.offset = {0};
  auto add = [&](Layer L, Shape out) {
    L.name = std::string(layer_type_name(L.type)) + std::to_string(net.layers.size());
    L.inputs = {int(net.layers.size()) - 1};
    L.in_shape = net.layers.empty() ? net.input_shape : net.layers.back().out_shape;
    L.in_quant = net.layers.empty() ? net.input_quant : net.layers.back().out_quant;
    if (!L.has_weights()) L.out_quant = L.in_quant;
    L.out_shape = out;
    net.layers.push_back(L);
  };
  auto weighted = [&](LayerType t, int out_c, int k, int pad, int64_t per_out, Shape out) {
    Layer L;
    L.type = t;
    L.out_channels = out_c;
    L.kernel_h = L.kernel_w = k;
    L.pad_h = L.pad_w = pad;
    L.weight.bits = 8;
    L.weight.out_channels = out_c;
    L.weight.per_out = per_out;
    for (int64_t i = 0; i < out_c * per_out; ++i) L.weight.stored.push_back(uint8_t(r.next()));
    L.weight.scale.assign(size_t(out_c), 0.01);
    L.weight.zero_point.assign(size_t(out_c), 121);
    for (int o = 0; o < out_c; ++o) L.bias.push_back(int32_t(r.next() % 2001) - 1000);
    L.requant.assign(size_t(out_c), make_requant(1.0 / double(per_out * 64)));
    L.out_quant = {0.05, 40};
    add(L, out);
  };
  auto simple = [&](LayerType t, Shape out, int k = 1) {
    Layer L;
    L.type = t;
    L.kernel_h = L.kernel_w = L.stride_h = L.stride_w = k;
    add(L, out);
  };
  weighted(LayerType::Conv2d, 32, 5, 2, 25, {32, 28, 28});
  simple(LayerType::Relu, {32, 28, 28});
  simple(LayerType::MaxPool2d, {32, 14, 14}, 2);
  weighted(LayerType::Conv2d, 64, 5, 2, 800, {64, 14, 14});
  simple(LayerType::Relu, {64, 14, 14});
  simple(LayerType::MaxPool2d, {64, 7, 7}, 2);
  simple(LayerType::Flatten, {3136, 1, 1});
  weighted(LayerType::Linear, 256, 1, 0, 3136, {256, 1, 1});
  simple(LayerType::Relu, {256, 1, 1});
  weighted(LayerType::Linear, 10, 1, 0, 256, {10, 1, 1});
  net.output = int(net.layers.size()) - 1;
  return net;
}

const Network& reference_cnn() {
  static const Network net = [] {
    const std::string path = std::string(LVSIM_SOURCE_DIR) + "/workloads/networks/fmnist-cnn.json";
    return std::filesystem::exists(path) ? load_network(path) : reference_cnn_random();
  }();
  return net;
}

// The data set's 10,000 test images (the workload: real images, whose activations the
// fast path's zero-padding skips depend on), or random pixels when the data set is not installed.
const char* const kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

bool real_images() {
  static const bool real = std::filesystem::exists(std::string(kFashionMnistDir) + "/t10k-images-idx3-ubyte.gz") &&
                           reference_cnn().input_shape.c == 1 && reference_cnn().input_shape.h == 28 &&
                           reference_cnn().input_shape.w == 28;
  return real;
}

const std::vector<uint8_t>& pixels() {
  static const std::vector<uint8_t> p = [] {
    if (real_images()) return load_dataset(kFashionMnistDir, Split::Test, kImages).pixels;
    SplitMix64 r(7);
    std::vector<uint8_t> v(size_t(kImages * reference_cnn().input_shape.size()));
    for (auto& x : v) x = uint8_t(r.next());
    return v;
  }();
  return p;
}

void BM_FastPredict(benchmark::State& state) {
  const Network& net = reference_cnn();
  const FastInference fast(net, stored_weights(net));
  const int threads = int(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(fast.predict(pixels().data(), kImages, threads));
  const double images = double(kImages) * double(state.iterations());
  state.counters["images_per_s"] = benchmark::Counter(images, benchmark::Counter::kIsRate);
  state.counters["GMAC_per_s"] =
      benchmark::Counter(images * double(net.total_macs()) * 1e-9, benchmark::Counter::kIsRate);
  // What the kernels execute (zero padding skipped, K rounded to 4-byte steps) per image.
  state.counters["executed_MMAC_per_image"] = double(fast.gemm_macs_per_image()) * 1e-6;
  state.SetLabel(net.name + " " + int8_kernel_name(fast.kernel()) +
                 (real_images() ? " fashion-mnist-test" : " random-pixels"));
}
BENCHMARK(BM_FastPredict)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

// The same prediction pass counting every layer's zero-operand MACs (what `lvsim run` and
// `lvsim sweep` do): compare images_per_s with BM_FastPredict of the same run.
void BM_FastPredictCountingZeroOperands(benchmark::State& state) {
  const Network& net = reference_cnn();
  const FastInference fast(net, stored_weights(net));
  const int threads = int(state.range(0));
  LayerZeroCounts zeros;
  for (auto _ : state) {
    zeros.reset(net.layers.size());
    benchmark::DoNotOptimize(fast.predict(pixels().data(), kImages, threads, nullptr, &zeros));
  }
  int64_t gated = 0;
  for (int64_t z : zeros.operand_macs) gated += z;
  state.counters["images_per_s"] =
      benchmark::Counter(double(kImages) * double(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["zero_operand_share"] = double(gated) / (double(kImages) * double(net.total_macs()));
}
BENCHMARK(BM_FastPredictCountingZeroOperands)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

// The machine's int8 ceiling: 24 independent register-resident vpdpbusd chains per thread (no
// loads), in GMAC/s over all threads. The instructions are written in asm because GCC 12
// allocates the accumulating intrinsic badly here (it copied and spilled all 24 accumulators
// every iteration, which measured a third of the real ceiling). On a shared VM this moves from
// run to run; the fast path's GMAC/s is best read against the ceiling of the same run.
// clang-format off
#define LVSIM_X24(X) \
  X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15) X(16) X(17) X(18) X(19) \
  X(20) X(21) X(22) X(23)
// clang-format on
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vnni")
__attribute__((noinline)) int64_t vnni_peak_loop(int64_t iterations) {
  const __m512i a = _mm512_set1_epi32(0x01020304), b = _mm512_set1_epi32(0x05060708);
#define LVSIM_DECLARE(i) __m512i acc##i = _mm512_set1_epi32(i);
  LVSIM_X24(LVSIM_DECLARE)
  for (int64_t it = 0; it < iterations; ++it) {
#define LVSIM_DPBUSD(i) __asm__("vpdpbusd %2, %1, %0" : "+v"(acc##i) : "v"(a), "v"(b));
    LVSIM_X24(LVSIM_DPBUSD)
  }
  alignas(64) int32_t lanes[16];
  int64_t s = 0;
#define LVSIM_SUM(i)                 \
  _mm512_store_si512(lanes, acc##i); \
  s += lanes[0];
  LVSIM_X24(LVSIM_SUM)
  return s;
}
#undef LVSIM_DECLARE
#undef LVSIM_DPBUSD
#undef LVSIM_SUM
#undef LVSIM_X24
#pragma GCC pop_options

void BM_VnniCeiling(benchmark::State& state) {
  if (!int8_kernel_supported(Int8Kernel::Avx512Vnni)) {
    state.SkipWithError("AVX-512 VNNI not supported on this CPU");
    return;
  }
  const int threads = int(state.range(0));
  const int64_t iterations = 4'000'000;
  for (auto _ : state) {
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) pool.emplace_back([&] { benchmark::DoNotOptimize(vnni_peak_loop(iterations)); });
    for (auto& th : pool) th.join();
  }
  state.counters["GMAC_per_s"] = benchmark::Counter(
      double(threads) * double(iterations) * 24 * 64 * 1e-9 * double(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_VnniCeiling)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

// One dense GEMM M x K x N (A rows contiguous), split over `threads` by rows, for a kernel.
void dense_gemm(benchmark::State& state, Int8Kernel kernel, int64_t m, int64_t k, int64_t n, int threads) {
  if (!int8_kernel_supported(kernel)) {
    state.SkipWithError("kernel not supported on this CPU");
    return;
  }
  SplitMix64 r(1);
  std::vector<uint8_t> a(size_t(m * k + 64));
  for (auto& v : a) v = uint8_t(r.next());
  const PackedInt8B b = PackedInt8B::pack(k, n, [&](int64_t, int64_t) { return int8_t(r.next()); });
  std::vector<const uint8_t*> rows;
  for (int64_t i = 0; i < m; ++i) rows.push_back(a.data() + i * k);
  const int64_t offset = 0;
  std::vector<int32_t> c(size_t(m * b.n_padded));
  const Int8GemmA ga{rows.data(), &offset, 1, b.k_padded};
  for (auto _ : state) {
    std::vector<std::thread> pool;
    const int64_t chunk = (m + threads - 1) / threads;
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        const int64_t first = t * chunk, rows_t = std::min(chunk, m - first);
        Int8GemmA part = ga;
        part.rows = rows.data() + first;
        int8_gemm(kernel, part, rows_t, b, c.data() + first * b.n_padded, b.n_padded);
      });
    for (auto& th : pool) th.join();
    benchmark::ClobberMemory();
  }
  state.counters["GMAC_per_s"] =
      benchmark::Counter(double(m * k * n) * double(state.iterations()) * 1e-9, benchmark::Counter::kIsRate);
  state.SetLabel(std::string(int8_kernel_name(kernel)) + " " + std::to_string(m) + "x" + std::to_string(k) + "x" +
                 std::to_string(n));
}

// The second conv layer as a dense GEMM over a batch of 64 images: 196*64 x 800 x 64.
void BM_GemmConv2Shape(benchmark::State& state) {
  dense_gemm(state, Int8Kernel(state.range(0)), 196 * 64, 800, 64, int(state.range(1)));
}
BENCHMARK(BM_GemmConv2Shape)
    ->ArgsProduct({{int(Int8Kernel::Portable), int(Int8Kernel::Avx2), int(Int8Kernel::Avx512Vnni)}, {1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Each conv/linear layer of the reference CNN alone, one thread, batches as FastInference runs
// them (conv: one image per GEMM as an implicit GEMM; linear: M = kBatchImages). Reported per image.
void layer_gemm(benchmark::State& state, int layer) {
  const Network& net = reference_cnn();
  const Layer& L = net.layers[size_t(layer)];
  // A single-layer network (with its own input quantization) timed through FastInference.
  Network one;
  one.name = L.name;
  one.input_shape = L.in_shape;
  one.input_quant = L.in_quant;
  one.preprocess.mean.assign(size_t(L.in_shape.c), 0.0);
  one.preprocess.std.assign(size_t(L.in_shape.c), 1.0);
  one.preprocess.multiplier.assign(size_t(L.in_shape.c), int64_t(1) << 24);
  one.preprocess.offset.assign(size_t(L.in_shape.c), 0);
  Layer copy = L;
  copy.inputs = {-1};
  one.layers = {copy};
  one.output = 0;
  const FastInference fast(one, stored_weights(one));
  const int64_t images = 2048;
  SplitMix64 r(3);
  std::vector<uint8_t> in(size_t(images * L.in_shape.size()));
  for (auto& v : in) v = uint8_t(r.next());
  for (auto _ : state) benchmark::DoNotOptimize(fast.predict(in.data(), images, 1));
  const double n = double(images) * double(state.iterations());
  state.counters["images_per_s"] = benchmark::Counter(n, benchmark::Counter::kIsRate);
  state.counters["GMAC_per_s"] = benchmark::Counter(n * double(L.macs()) * 1e-9, benchmark::Counter::kIsRate);
  state.SetLabel(L.name + " M=" + std::to_string(L.gemm_m()) + " K=" + std::to_string(L.weight.per_out) +
                 " N=" + std::to_string(L.out_channels));
}

// ---- side by side: ceiling, previous and current fast path in one run (--side-by-side) ----

double seconds_of(const std::function<void()>& f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// The vpdpbusd ceiling on `threads` threads, GMAC/s (BM_VnniCeiling's loop, once).
double ceiling_gmacs(int threads) {
  const int64_t iterations = 2'000'000;
  const double s = seconds_of([&] {
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) pool.emplace_back([&] { benchmark::DoNotOptimize(vnni_peak_loop(iterations)); });
    for (auto& th : pool) th.join();
  });
  return double(threads) * double(iterations) * 24 * 64 * 1e-9 / s;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n == 0 ? 0.0 : n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

struct NamedNetwork {
  std::string key;
  Network net;
};

// The shipped CNN and the seed-like SimpleNet (3x3 convs with GroupNorm), when present.
std::vector<NamedNetwork> side_by_side_networks() {
  std::vector<NamedNetwork> nets{{"cnn", reference_cnn()}};
  const std::string simple = std::string(LVSIM_SOURCE_DIR) + "/workloads/networks/fmnist-simplenet-normal-q8.json";
  if (std::filesystem::exists(simple)) nets.push_back({"simplenet", load_network(simple)});
  return nets;
}

// One configuration: medians over rounds of the ceiling, previous and current GMAC/s (nominal
// MACs), and of the per-round ratios; checks that both paths give the same predictions and counts.
void side_by_side_row(const NamedNetwork& nn, const FastInference& cur, const previous::FastInference& prev,
                      const uint8_t* px, int64_t images, int threads, bool count, int rounds) {
  const double gmac = double(images) * double(nn.net.total_macs()) * 1e-9;
  std::vector<double> ceil, p, c, pr, cr, cp;
  bool same = true;
  for (int r = 0; r < rounds; ++r) {
    std::vector<int64_t> zp;  // the previous path counts zero-operand MACs only
    LayerZeroCounts zc;       // the current one also counts zero activation codes (activation sparsity)
    std::vector<int> yp, yc;
    const double tc = ceiling_gmacs(threads);
    auto run_prev = [&] { yp = prev.predict(px, images, threads, nullptr, count ? &zp : nullptr); };
    auto run_cur = [&] { yc = cur.predict(px, images, threads, nullptr, count ? &zc : nullptr); };
    double sp, sc;
    if (r % 2) {
      sc = seconds_of(run_cur), sp = seconds_of(run_prev);
    } else {
      sp = seconds_of(run_prev), sc = seconds_of(run_cur);
    }
    same = same && yp == yc && zp == zc.operand_macs;
    ceil.push_back(tc), p.push_back(gmac / sp), c.push_back(gmac / sc);
    pr.push_back(gmac / sp / tc), cr.push_back(gmac / sc / tc), cp.push_back(sp / sc);
  }
  std::printf("%-10s %7d %5s %9.0f %9.0f %7.1f%% %9.0f %7.1f%% %9.2f %9.0f %s\n", nn.key.c_str(), threads,
              count ? "on" : "off", median(ceil), median(p), 100 * median(pr), median(c), 100 * median(cr), median(cp),
              double(images) / (gmac / median(c)), same ? "yes" : "NO");
}

// Where the current fast path's time goes on one thread, counting on: per conv/linear layer its
// stages (the layers without a GEMM after it go to "other"), GMAC/s and share of the ceiling.
void layer_table(const NamedNetwork& nn, const FastInference& cur, const uint8_t* px, int64_t images) {
  const double ceil = ceiling_gmacs(1);
  const auto prof = cur.profile(px, images, true);
  double total = 0;
  for (const auto& l : prof)
    for (double s : l) total += s;
  std::printf("\n%s, 1 thread, zero counting on, %lld images: ceiling %.0f GMAC/s, %.1f us/image\n", nn.key.c_str(),
              (long long)images, ceil, 1e6 * total / double(images));
  std::printf("%-8s %8s", "layer", "MMAC");
  for (const char* s : kFastStageNames) std::printf(" %8s", s);
  std::printf(" %9s %6s %8s %7s\n", "us/image", "share", "GMAC/s", "ceiling");
  const Network& net = nn.net;
  for (size_t l = 0; l < net.layers.size(); ++l) {
    if (!net.layers[l].has_weights() && l != 0) continue;
    std::array<double, kFastStages> st = prof[l];
    for (size_t k = l + 1; k < net.layers.size() && !net.layers[k].has_weights(); ++k)
      for (int s = 0; s < kFastStages; ++s) st[size_t(s)] += prof[k][size_t(s)];
    double t = 0;
    for (double s : st) t += s;
    const double macs = double(net.layers[l].macs());
    std::printf("%-8s %8.3f", net.layers[l].name.c_str(), macs * 1e-6);
    for (double s : st) std::printf(" %8.2f", 1e6 * s / double(images));
    const double g = macs * double(images) * 1e-9 / t;
    std::printf(" %9.2f %5.1f%% %8.0f %6.1f%%\n", 1e6 * t / double(images), 100 * t / total, g, 100 * g / ceil);
  }
}

void side_by_side(int rounds, const std::vector<uint8_t>& px, int64_t images, bool real) {
  std::printf("fast path side by side, %d rounds (medians), %lld %s images; GMAC/s of nominal MACs\n", rounds,
              (long long)images, real ? "fashion-mnist-test" : "random");
  std::printf("%-10s %7s %5s %9s %9s %8s %9s %8s %9s %9s %s\n", "network", "threads", "count", "ceiling", "previous",
              "of ceil", "current", "of ceil", "cur/prev", "images/s", "identical");
  const std::vector<NamedNetwork> nets = side_by_side_networks();
  for (const NamedNetwork& nn : nets) {
    const FastInference cur(nn.net, stored_weights(nn.net));
    const previous::FastInference prev(nn.net, stored_weights(nn.net));
    for (int threads : {1, 2})
      for (bool count : {false, true}) side_by_side_row(nn, cur, prev, px.data(), images, threads, count, rounds);
  }
  for (const NamedNetwork& nn : nets) layer_table(nn, FastInference(nn.net, stored_weights(nn.net)), px.data(), images);
}

}  // namespace

// The per-layer benchmarks are registered here, not at static initialisation: they need the
// network, whose importer must not run before main.
int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--side-by-side", 0) == 0) {
      const int rounds = arg.size() > 15 ? std::stoi(arg.substr(15)) : 5;
      side_by_side(rounds, pixels(), kImages, real_images());
      return 0;
    }
    if (arg == "--profile") {  // only the per-layer tables
      for (const NamedNetwork& nn : side_by_side_networks())
        layer_table(nn, FastInference(nn.net, stored_weights(nn.net)), pixels().data(), kImages);
      return 0;
    }
  }
  benchmark::Initialize(&argc, argv);
  const Network& net = reference_cnn();
  for (size_t l = 0; l < net.layers.size(); ++l)
    if (net.layers[l].has_weights())
      benchmark::RegisterBenchmark(("BM_LayerGemm/" + net.layers[l].name).c_str(),
                                   [l](benchmark::State& st) { layer_gemm(st, int(l)); })
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
