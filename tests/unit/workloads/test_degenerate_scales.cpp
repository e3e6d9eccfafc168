// Degenerate quantization ranges (docs/quantization.md, "Degenerate ranges"): constant weight
// groups (a pruned all-zero filter, single-element channels), an activation tensor that is always
// 0, and 2-bit symmetric weights. Expected scales, zero points and codes are worked out by hand
// from the formulas; the network-level case is compared with a float computation written here.
#include <catch2/catch.hpp>

#include <cmath>
#include <nlohmann/json.hpp>

#include "workloads/import/calibration.h"
#include "workloads/inference/fast_inference.h"
#include "workloads/inference/reference_inference.h"
#include "workloads/network/network_finalize.h"
#include "workloads/network/network_json.h"
#include "workloads/network/quantization.h"

using namespace lvsim;

namespace {

constexpr double kDelta8 = 1.001 / 127.0;  // asymmetric step in normalised units, 8 bit, eps 0.001

WeightQuantScheme scheme(int bits, bool per_channel, bool symmetric, WeightStorage storage) {
  WeightQuantScheme s = WeightQuantScheme::robust(bits);
  s.per_channel = per_channel;
  s.symmetric = symmetric;
  s.storage = storage;
  return s;
}

}  // namespace

TEST_CASE("per-channel asymmetric: a pruned (all-zero) and a constant channel beside a normal one",
          "[quant][degenerate]") {
  // ch0 all 0 (pruned), ch1 all 0.3, ch2 spans [-0.5, 0.5].
  const std::vector<double> w = {0, 0, 0, 0, 0.3, 0.3, 0.3, 0.3, -0.5, 0.25, 0, 0.5};
  const WeightTensor t = quantize_weights(w, 3, scheme(8, true, false, WeightStorage::Unsigned));
  // ch0: half := 1, mid 0 -> scale = delta, zero point 0 + 128; every code at the zero point.
  CHECK(t.scale[0] == Approx(kDelta8).epsilon(1e-15));
  CHECK(t.zero_point[0] == 128);
  // ch1: half := |0.3|, mid 0.3 -> scale 0.3*delta; z = -round(0.3 / (0.3 delta)) = -round(126.87) = -127 -> 1.
  CHECK(t.scale[1] == Approx(0.3 * kDelta8).epsilon(1e-15));
  CHECK(t.zero_point[1] == 1);
  // ch2: half 0.5, mid 0: codes round(w / 0.5 / delta) = -127, 63 (63.44), 0, 127 (+128).
  CHECK(t.zero_point[2] == 128);
  const std::vector<uint8_t> expected = {128, 128, 128, 128, 128, 128, 128, 128, 1, 191, 128, 255};
  CHECK(t.stored == expected);
  CHECK(dequantize_weight(t, 0) == 0.0);                  // the pruned filter stays exactly 0
  CHECK(dequantize_weight(t, 4) == Approx(0.3 * 1.001));  // 127 * 0.3 * delta = 0.3003
  CHECK(std::fabs(dequantize_weight(t, 4) - 0.3) <= t.scale[1] / 2);
}

TEST_CASE("constant and single-element tensors, both schemes", "[quant][degenerate]") {
  // Per-tensor asymmetric, all zero: the same as a pruned channel.
  const WeightTensor z = quantize_weights({0, 0, 0}, 1, scheme(8, false, false, WeightStorage::TwosComplement));
  CHECK(z.scale[0] == Approx(kDelta8).epsilon(1e-15));
  CHECK(z.zero_point[0] == 0);
  CHECK(z.stored == std::vector<uint8_t>{0, 0, 0});
  // Single element 0.7, asymmetric: scale 0.7 delta, zero point -127 (+128 = 1), code 0 (+128).
  const WeightTensor one = quantize_weights({0.7}, 1, scheme(8, false, false, WeightStorage::Unsigned));
  CHECK(one.scale[0] == Approx(0.7 * kDelta8).epsilon(1e-15));
  CHECK(one.zero_point[0] == 1);
  CHECK(one.stored == std::vector<uint8_t>{128});
  // Single element, symmetric: q_max = 0.7 + 0.001, delta = 0.701 / 127, code round(126.82) = 127.
  const WeightTensor sym = quantize_weights({0.7}, 1, scheme(8, false, true, WeightStorage::Unsigned));
  CHECK(sym.scale[0] == Approx(0.701 / 127).epsilon(1e-15));
  CHECK(sym.stored == std::vector<uint8_t>{255});
  // Symmetric all zero: q_max = eps (absolute), delta = 0.001 / 127, every code 0.
  const WeightTensor sz = quantize_weights({0, 0}, 1, scheme(8, false, true, WeightStorage::Unsigned));
  CHECK(sz.scale[0] == Approx(0.001 / 127).epsilon(1e-15));
  CHECK(sz.stored == std::vector<uint8_t>{128, 128});
}

TEST_CASE("2-bit symmetric: codes -1..1, both storages", "[quant][degenerate]") {
  // q = 2^1 - 1 = 1; q_max = 0.4 + 0.001 = 0.401 = delta; codes round(w / 0.401):
  // 0.4 -> 1 (0.998), -0.2 -> 0 (-0.499), -0.3 -> -1 (-0.748), 0 -> 0.
  const std::vector<double> w = {0.4, -0.2, -0.3, 0.0};
  const WeightTensor u = quantize_weights(w, 1, scheme(2, false, true, WeightStorage::Unsigned));
  CHECK(u.scale[0] == Approx(0.401).epsilon(1e-15));
  CHECK(u.zero_point[0] == 2);
  CHECK(u.stored == std::vector<uint8_t>{3, 2, 1, 2});  // code + 2
  const WeightTensor tc = quantize_weights(w, 1, scheme(2, false, true, WeightStorage::TwosComplement));
  CHECK(tc.zero_point[0] == 0);
  CHECK(tc.stored == std::vector<uint8_t>{1, 0, 3, 0});  // 2-bit two's complement of 1, 0, -1, 0
  for (int i = 0; i < 4; ++i) CHECK(dequantize_weight(u, i) == dequantize_weight(tc, i));
}

TEST_CASE("an activation range of zero width gets [lo, lo + 1]", "[quant][degenerate]") {
  for (auto [lo, hi] : {std::pair{0.0, 0.0}, std::pair{-3e-9, 0.0}, std::pair{0.0, 5e-9}}) {
    const ActivationQuant q = activation_quant_from_range(lo, hi);
    CHECK(q.scale == Approx(1.0 / 255.0).epsilon(1e-6));
    CHECK(q.zero_point == 0);
  }
  // Just above the threshold the range is kept as it is.
  CHECK(activation_quant_from_range(0.0, 2e-8).scale == Approx(2e-8 / 255.0));
}

namespace {

// Input 1x1x2 (x = p / 255). "pr": 1x1 conv, per-channel asymmetric weights of one element each
// (every channel constant: 0 = pruned, 0.5, -0.25) -> relu. "dead": 1x1 conv with weights -1 and
// bias -0.1 on inputs >= 0, always negative -> relu: a tensor that is always 0. add -> flatten ->
// "fc": 2-bit symmetric linear 6 -> 2. Everything calibrated.
nlohmann::json degenerate_network() {
  using J = nlohmann::json;
  auto f64 = [](std::vector<int> shape, std::vector<double> v) {
    return J{{"dtype", "float64"}, {"shape", shape}, {"data", v}};
  };
  J per_channel = {{"bits", 8}, {"granularity", "per_channel"}, {"symmetry", "asymmetric"}};
  J sym2 = {{"bits", 2}, {"symmetry", "symmetric"}};
  J layers = J::array();
  layers.push_back({{"name", "pr"},
                    {"type", "conv2d"},
                    {"input", "input"},
                    {"out_channels", 3},
                    {"kernel", {1, 1}},
                    {"weight", {{"float", f64({3, 1, 1, 1}, {0.0, 0.5, -0.25})}}},
                    {"bias", f64({3}, {0.1, 0.0, 0.2})},
                    {"weight_quantization", per_channel}});
  layers.push_back({{"name", "r1"}, {"type", "relu"}, {"input", "pr"}});
  layers.push_back({{"name", "dead"},
                    {"type", "conv2d"},
                    {"input", "input"},
                    {"out_channels", 3},
                    {"kernel", {1, 1}},
                    {"weight", {{"float", f64({3, 1, 1, 1}, {-1.0, -1.0, -1.0})}}},
                    {"bias", f64({3}, {-0.1, -0.1, -0.1})},
                    {"weight_quantization", per_channel}});
  layers.push_back({{"name", "r2"}, {"type", "relu"}, {"input", "dead"}});
  layers.push_back({{"name", "sum"}, {"type", "add"}, {"input", {"r1", "r2"}}});
  layers.push_back({{"name", "flat"}, {"type", "flatten"}, {"input", "sum"}});
  layers.push_back(
      {{"name", "fc"},
       {"type", "linear"},
       {"input", "flat"},
       {"out_features", 2},
       {"weight", {{"float", f64({2, 6}, {0.4, -0.4, 0.4, 0.0, 0.4, 0.4, -0.4, 0.4, 0.0, 0.4, -0.4, 0.0})}}},
       {"bias", f64({2}, {0.05, -0.05})},
       {"weight_quantization", sym2}});
  return {{"format", "lvsim-network"}, {"version", 1}, {"input", {{"shape", {1, 1, 2}}}}, {"layers", layers}};
}

}  // namespace

TEST_CASE("a network with pruned filters and an always-zero activation imports, calibrates and runs",
          "[quant][degenerate]") {
  Network net = import_network(degenerate_network(), "degenerate.json");
  REQUIRE(needs_calibration(net));
  Dataset d;
  d.source = "tiny";
  d.count = 4;
  d.image_shape = Shape{1, 1, 2};
  d.pixels = {10, 0, 0, 20, 5, 5, 30, 1};
  d.labels = {0, 1, 0, 1};
  calibrate(net, d, 4, CalibrationMethod::MinMax, 1);  // threw before: activation scale out of range

  // The dead branch's tensor: range [0, 0] -> scale 1/255, zero point 0, and every code 0.
  const int dead = 2, fc = 6;
  CHECK(net.layers[dead].out_quant.scale == Approx(1.0 / 255.0));
  CHECK(net.layers[dead].out_quant.zero_point == 0);
  const LayerWeights w = stored_weights(net);
  const FastInference fast(net, w);
  for (int64_t i = 0; i < d.count; ++i) {
    const auto outs = run_all_layers(net, d.image(i), w);
    CHECK(outs[size_t(dead)] == std::vector<uint8_t>(6, 0));
    CHECK(fast.run_all_layers(d.image(i)) == outs);
    // Independent float computation with the dequantized weights: pr = relu(w x + b) per pixel and
    // channel, fc = W sum + b. The integer output must lie within 2 codes of it (one rounding at
    // each of pr, add and fc).
    const double x[2] = {d.pixels[size_t(2 * i)] / 255.0, d.pixels[size_t(2 * i + 1)] / 255.0};
    const double wpr[3] = {0.0, 0.5 * 1.001, -0.25 * 1.001}, bpr[3] = {0.1, 0.0, 0.2};
    std::vector<double> flat;  // C, H, W order: channel c, pixel j
    for (int c = 0; c < 3; ++c)
      for (int j = 0; j < 2; ++j) flat.push_back(std::max(0.0, wpr[c] * x[j] + bpr[c]));
    const WeightTensor& W = net.layers[fc].weight;
    const ActivationQuant& q = net.layers[fc].out_quant;
    for (int o = 0; o < 2; ++o) {
      double y = o == 0 ? 0.05 : -0.05;
      for (int k = 0; k < 6; ++k) y += dequantize_weight(W, o * 6 + k) * flat[size_t(k)];
      CHECK(std::fabs(double(outs[size_t(fc)][size_t(o)]) - (q.zero_point + y / q.scale)) <= 2.0);
    }
  }
}

TEST_CASE("add requantization: the shift of the largest ratio, renormalisation included (docs example)",
          "[quant][degenerate]") {
  std::vector<int64_t> m;
  int shift = 0;
  // r = [0.75, 0.5]: frexp(0.75) = (0.75, 0) -> shift 31; M = 0.75 * 2^31, 0.5 * 2^31.
  make_add_requant({{0.75, 0}, {0.5, 0}}, {1.0, 0}, m, shift);
  CHECK(shift == 31);
  CHECK(m == std::vector<int64_t>{1610612736, 1073741824});
  // r_max = 1 - 2^-40: round(f * 2^31) = 2^31 -> e + 1 -> shift 30; M = round(r * 2^30) = 2^30, 2^29.
  make_add_requant({{1.0 - std::ldexp(1.0, -40), 0}, {0.5, 0}}, {1.0, 0}, m, shift);
  CHECK(shift == 30);
  CHECK(m == std::vector<int64_t>{int64_t(1) << 30, int64_t(1) << 29});
}
