// Group normalization (docs/quantization.md, "Group normalization"): the golden engine against an
// implementation written here from the documented arithmetic alone (its own rounding, square root
// by Newton's method, bit length by counting leading zeros, floors by division), on random shapes,
// scales, offsets and eps; and against PyTorch's float definition within a code.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "tests/support/groupnorm_test_util.h"
#include "workloads/inference/fast_inference.h"
#include "workloads/inference/reference_inference.h"
#include "workloads/network/network_finalize.h"
#include "workloads/network/quantization.h"

using namespace lvsim;
using namespace lvsim::gn_test;

namespace {

using i128 = __int128;
using u128 = unsigned __int128;

// floor(a / 2^k) by division (the documented rshift adds 2^(k-1) first).
i128 floor_div_pow2(i128 a, int k) {
  const i128 d = i128(1) << k;
  i128 q = a / d;
  if (a % d != 0 && a < 0) --q;
  return q;
}
i128 doc_rshift(i128 x, int k) {
  return floor_div_pow2(x + (i128(1) << (k - 1)), k);
}

// floor(sqrt(x)): Newton from the double estimate, then corrected to the exact floor.
u128 newton_isqrt(u128 x) {
  if (x == 0) return 0;
  u128 r = u128(std::sqrt(double(x)));
  for (int i = 0; i < 8; ++i) r = (r + x / r) / 2;
  while (r * r > x) --r;
  while ((r + 1) * (r + 1) <= x) ++r;
  return r;
}

int bit_length(u128 v) {
  const uint64_t hi = uint64_t(v >> 64), lo = uint64_t(v);
  return hi ? 128 - __builtin_clzll(hi) : (lo ? 64 - __builtin_clzll(lo) : 0);
}

int64_t half_away(double x) {
  return int64_t(std::round(x));
}  // std::round: half away from zero

// The documented groupnorm of one image, from the layer's parameters and scales only.
std::vector<uint8_t> oracle(const Layer& L, const std::vector<uint8_t>& in) {
  const WeightTensor& W = L.weight;
  const int C = L.in_shape.c, G = L.groups;
  const int64_t plane = int64_t(L.in_shape.h) * L.in_shape.w, n = C / G * plane;
  const double s_in = L.in_quant.scale, s_out = L.out_quant.scale, s_g = W.scale[0], s_b = W.scale[1];
  const int64_t E = std::max<int64_t>(1, half_away(double(n) * double(n) * L.norm.eps / (s_in * s_in)));
  const int64_t O = half_away(L.norm.gamma_offset / s_g * 256.0);
  int e = 0;
  const double f = std::frexp(s_g / s_out, &e);
  int64_t M = half_away(f * 2147483648.0);
  if (M == (int64_t(1) << 31)) M = int64_t(1) << 30, ++e;
  const int sh = 31 - e;
  const int64_t K = half_away(s_b / s_out * std::pow(2.0, sh + 24));
  auto value = [&](int64_t pattern) {
    const int bits = W.bits;
    if (W.storage == WeightStorage::Unsigned) return pattern;
    return pattern >= (int64_t(1) << (bits - 1)) ? pattern - (int64_t(1) << bits) : pattern;
  };
  std::vector<uint8_t> out(in.size());
  for (int g = 0; g < G; ++g) {
    i128 s1 = 0, s2 = 0;
    for (int64_t i = g * n; i < (g + 1) * n; ++i) {
      const i128 x = i128(in[size_t(i)]) - L.in_quant.zero_point;
      s1 += x;
      s2 += x * x;
    }
    const i128 D = i128(n) * s2 - s1 * s1 + E;
    REQUIRE(D >= 1);
    const u128 Q = newton_isqrt(u128(D) << 32);
    const int b = bit_length(Q);
    const i128 inv = i128((u128(1) << (b + 30)) / Q);
    for (int c = g * (C / G); c < (g + 1) * (C / G); ++c) {
      const i128 Gc = i128(value(W.stored[size_t(c)]) - W.zero_point[0]) * 256 + O;
      const i128 Bc = value(W.stored[size_t(C + c)]) - W.zero_point[1];
      for (int64_t i = c * plane; i < (c + 1) * plane; ++i) {
        const i128 N = i128(n) * (i128(in[size_t(i)]) - L.in_quant.zero_point) - s1;
        const i128 h = doc_rshift(N * inv, b - 2);
        const i128 acc = h * Gc * M + Bc * K;
        const i128 y = L.out_quant.zero_point + doc_rshift(acc, sh + 24);
        out[size_t(i)] = uint8_t(y < 0 ? 0 : y > 255 ? 255 : y);
      }
    }
  }
  return out;
}

// PyTorch's GroupNorm on the dequantized input and parameters, quantized to the output scale.
std::vector<double> float_groupnorm(const Layer& L, const std::vector<uint8_t>& in) {
  const int C = L.in_shape.c, G = L.groups;
  const int64_t plane = int64_t(L.in_shape.h) * L.in_shape.w, n = C / G * plane;
  std::vector<double> y(in.size());
  for (int g = 0; g < G; ++g) {
    double mean = 0, var = 0;
    for (int64_t i = g * n; i < (g + 1) * n; ++i) mean += L.in_quant.scale * (in[size_t(i)] - L.in_quant.zero_point);
    mean /= double(n);
    for (int64_t i = g * n; i < (g + 1) * n; ++i) {
      const double d = L.in_quant.scale * (in[size_t(i)] - L.in_quant.zero_point) - mean;
      var += d * d;
    }
    var /= double(n);
    for (int c = g * (C / G); c < (g + 1) * (C / G); ++c) {
      const double gamma = L.norm.gamma_offset + dequantize_weight(L.weight, c);
      const double beta = dequantize_weight(L.weight, C + c);
      for (int64_t i = c * plane; i < (c + 1) * plane; ++i) {
        const double x = L.in_quant.scale * (in[size_t(i)] - L.in_quant.zero_point);
        y[size_t(i)] = gamma * (x - mean) / std::sqrt(var + L.norm.eps) + beta;
      }
    }
  }
  return y;
}

}  // namespace

TEST_CASE("groupnorm: golden equals the documented arithmetic on random shapes and scales", "[groupnorm]") {
  const int trial = GENERATE(range(0, 60));
  std::mt19937_64 rng(uint64_t(9000 + trial));
  Network net = random_groupnorm_net(rng);
  finalize_network(net);
  const Layer& L = net.layers[0];
  for (int image = 0; image < 3; ++image) {
    const std::vector<uint8_t> in = random_codes(rng, L.in_shape, image);
    const std::vector<uint8_t> got = run_layer(net, 0, {&in}, L.weight.stored);
    INFO("trial " << trial << " image " << image << " C " << L.in_shape.c << " G " << L.groups);
    CHECK(got == oracle(L, in));
  }
}

TEST_CASE("groupnorm: within one code of PyTorch's float GroupNorm", "[groupnorm]") {
  const int trial = GENERATE(range(0, 30));
  std::mt19937_64 rng(uint64_t(7000 + trial));
  Network net = random_groupnorm_net(rng);
  finalize_network(net);
  const Layer& L = net.layers[0];
  const std::vector<uint8_t> in = random_codes(rng, L.in_shape, 0);
  const std::vector<uint8_t> got = run_layer(net, 0, {&in}, L.weight.stored);
  const std::vector<double> want = float_groupnorm(L, in);
  for (size_t i = 0; i < got.size(); ++i) {
    const double code = std::clamp(L.out_quant.zero_point + want[i] / L.out_quant.scale, 0.0, 255.0);
    INFO("trial " << trial << " element " << i);
    CHECK(std::fabs(double(got[i]) - code) <= 1.0);
  }
}

TEST_CASE("groupnorm: a constant group normalizes to beta; faulty gamma changes its channel only", "[groupnorm]") {
  std::mt19937_64 rng(5);
  Network net = random_groupnorm_net(rng);
  Layer& L = net.layers[0];
  L.norm.gamma_offset = 0;
  finalize_network(net);
  const int C = L.in_shape.c;
  // Constant input: x - mean = 0 everywhere, so every output is z_out + round(beta / s_out).
  const std::vector<uint8_t> flat(size_t(L.in_shape.size()), 77);
  const std::vector<uint8_t> out = run_layer(net, 0, {&flat}, L.weight.stored);
  const int64_t plane = int64_t(L.in_shape.h) * L.in_shape.w;
  for (int c = 0; c < C; ++c) {
    const double beta = dequantize_weight(L.weight, C + c);
    const double want = std::clamp(std::round(L.out_quant.zero_point + beta / L.out_quant.scale), 0.0, 255.0);
    CHECK(std::fabs(out[size_t(c * plane)] - want) <= 1.0);
  }
  // A bit flip in gamma of channel 0 changes outputs of channel 0 only, as the oracle predicts.
  const std::vector<uint8_t> in = random_codes(rng, L.in_shape, 1);
  std::vector<uint8_t> faulty = L.weight.stored;
  faulty[0] ^= uint8_t(1u << (L.weight.bits - 1));
  const std::vector<uint8_t> clean = run_layer(net, 0, {&in}, L.weight.stored);
  const std::vector<uint8_t> got = run_layer(net, 0, {&in}, faulty);
  Layer flipped = L;
  flipped.weight.stored = faulty;
  CHECK(got == oracle(flipped, in));
  for (int64_t i = plane; i < L.in_shape.size(); ++i) CHECK(got[size_t(i)] == clean[size_t(i)]);
}

TEST_CASE("groupnorm: fast path == golden, with faulty and per-image changed parameters", "[groupnorm][fast]") {
  const int trial = GENERATE(range(0, 25));
  std::mt19937_64 rng(uint64_t(3100 + trial));
  Network net = random_groupnorm_net(rng);
  append_relu_and_groupnorm(net, rng);
  finalize_network(net);
  LayerWeights w = stored_weights(net);
  // Faulty parameters as read: a few bits flipped in both groupnorms' gamma and beta.
  for (size_t l : {size_t(0), size_t(2)})
    for (int k = 0; k < 3; ++k) {
      auto& p = w[l][size_t(pick(rng, 0, int(w[l].size()) - 1))];
      p = uint8_t(p ^ (1u << pick(rng, 0, net.layers[l].weight.bits - 1)));
    }
  const int64_t count = 5;
  std::vector<uint8_t> pixels(size_t(count * net.input_shape.size()));
  for (auto& p : pixels) p = uint8_t(pick(rng, 0, 255));
  const FastInference fast(net, w);
  for (int64_t i = 0; i < count; ++i) {
    const uint8_t* px = pixels.data() + i * net.input_shape.size();
    CHECK(fast.run_all_layers(px) == run_all_layers(net, px, w));
    // One image's own changes (a transient read error) of a parameter of layer 2.
    const int64_t index = pick(rng, 0, int(w[2].size()) - 1);
    const uint8_t pattern = uint8_t(pick(rng, 0, (1 << net.layers[2].weight.bits) - 1));
    LayerWeights changed = w;
    changed[2][size_t(index)] = pattern;
    CHECK(fast.run_all_layers(px, {WeightChange{2, index, pattern}}) == run_all_layers(net, px, changed));
  }
  // The batched predict path agrees with golden predictions.
  CHECK(fast.predict(pixels.data(), count, 2) == predict(net, pixels.data(), count, w, 1));
}
