// Re-quantizing the shipped CNN's weights to fewer bits, checked against what re-quantization
// promises, computed here from the original network: every new weight is within half a
// quantization step of the old real weight, each layer uses the new range's levels, biases keep
// their real values to half a step, and the requantization multipliers follow the new scales.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "common/errors.h"
#include "workloads/import/network_loader.h"
#include "workloads/network/network_json.h"
#include "workloads/network/quantization.h"
#include "workloads/network/weight_requantization.h"

using namespace lvsim;

namespace {

const std::string kCnn = std::string(LVSIM_SOURCE_DIR) + "/workloads/networks/fmnist-cnn.json";

double real_weight(const WeightTensor& W, size_t i) {
  const size_t o = i / size_t(W.per_out);
  return W.scale[o] * double(W.decode(W.stored[i]) - W.zero_point[o]);
}

}  // namespace

TEST_CASE("re-quantized weights stay within half a step of the network's real weights", "[requantize]") {
  const int bits = GENERATE(2, 4, 6);
  const Network before = load_network(kCnn);
  Network after = before;
  requantize_weights(after, bits);
  for (size_t l = 0; l < before.layers.size(); ++l) {
    const Layer &A = before.layers[l], &B = after.layers[l];
    if (!A.has_weights()) continue;
    INFO("layer " << A.name << " bits " << bits);
    const WeightTensor &Wa = A.weight, &Wb = B.weight;
    REQUIRE(Wb.bits == bits);
    REQUIRE(Wb.stored.size() == Wa.stored.size());
    CHECK(Wb.per_channel == Wa.per_channel);
    // Per-tensor: one step (scale) for the layer. The robust scheme (Stutz et al.,
    // docs/references.md#stutz21) maps the real range [lo, hi] of the old weights onto
    // [-1, 1] x (1 + 0.001) with the symmetric codes
    // -(2^(m-1) - 1) .. 2^(m-1) - 1: step = (hi - lo) / (2^m - 2) x 1.001.
    double lo = 1e300, hi = -1e300;
    for (size_t i = 0; i < Wa.stored.size(); ++i)
      lo = std::min(lo, real_weight(Wa, i)), hi = std::max(hi, real_weight(Wa, i));
    const double step = Wb.scale[0];
    CHECK(step == Approx((hi - lo) / double((1 << bits) - 2) * 1.001).epsilon(1e-9));
    double worst = 0;
    int levels_used = 0;
    std::vector<bool> used(256, false);
    for (size_t i = 0; i < Wa.stored.size(); ++i) {
      CHECK(Wb.stored[i] < (1u << bits));
      worst = std::max(worst, std::abs(real_weight(Wb, i) - real_weight(Wa, i)));
      if (!used[Wb.stored[i]]) used[Wb.stored[i]] = true, ++levels_used;
    }
    CHECK(worst <= step / 2 * (1 + 1e-6));
    CHECK(levels_used > (1 << bits) / 2);  // the new range's levels, not a collapsed tensor
    CHECK(levels_used <= (1 << bits) - 1);
    // Biases: the same real value, re-expressed in the new scale.
    for (size_t o = 0; o < A.bias.size(); ++o) {
      const double real_a = double(A.bias[o]) * A.in_quant.scale * Wa.scale[o];
      const double unit_b = B.in_quant.scale * Wb.scale[o];
      CHECK(std::abs(double(B.bias[o]) * unit_b - real_a) <= unit_b / 2 * (1 + 1e-9));
    }
    // Requantization: the effective multiplier M * 2^-shift is s_in * s_w / s_out.
    for (size_t o = 0; o < B.requant.size(); ++o) {
      const double want = B.in_quant.scale * Wb.scale[o] / B.out_quant.scale;
      const double got = double(B.requant[o].multiplier) * std::ldexp(1.0, -B.requant[o].shift);
      CHECK(got == Approx(want).epsilon(1e-6));
    }
  }
}

TEST_CASE("re-quantizing to the network's own width changes nothing; bad widths are refused", "[requantize]") {
  const Network before = load_network(kCnn);
  Network same = before;
  requantize_weights(same, 8);
  for (size_t l = 0; l < before.layers.size(); ++l) {
    CHECK(same.layers[l].weight.stored == before.layers[l].weight.stored);
    CHECK(same.layers[l].bias == before.layers[l].bias);
  }
  Network bad = before;
  CHECK_THROWS_WITH(requantize_weights(bad, 9),
                    Catch::Contains("weight_bits: re-quantization to 9 bits: weights have 2..8 bits"));
  CHECK_THROWS_AS(requantize_weights(bad, 1), ConfigError);
}
