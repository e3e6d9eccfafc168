// Golden integer inference against values worked out by hand or recomputed in the test by a
// different method (explicitly padded input, real-number requantization with exact rationals).
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "workloads/inference/reference_inference.h"
#include "workloads/network/quantization.h"

using namespace lvsim;

namespace {

Layer conv_layer(Shape in, int out_c, int k, int stride, int pad, int groups, int bits, WeightStorage st) {
  Layer L;
  L.name = "conv";
  L.type = LayerType::Conv2d;
  L.inputs = {-1};
  L.in_shape = in;
  L.out_channels = out_c;
  L.kernel_h = L.kernel_w = k;
  L.stride_h = L.stride_w = stride;
  L.pad_h = L.pad_w = pad;
  L.groups = groups;
  L.out_shape = {out_c, (in.h + 2 * pad - k) / stride + 1, (in.w + 2 * pad - k) / stride + 1};
  L.weight.bits = bits;
  L.weight.storage = st;
  L.weight.out_channels = out_c;
  L.weight.per_out = int64_t(in.c / groups) * k * k;
  L.weight.stored.assign(size_t(out_c * L.weight.per_out), 0);
  L.weight.scale.assign(size_t(out_c), 1.0);
  L.weight.zero_point.assign(size_t(out_c), 0);
  L.bias.assign(size_t(out_c), 0);
  // Identity-like requantization: ratio 1 -> multiplier 2^30, shift 30.
  L.requant.assign(size_t(out_c), Requant{int64_t(1) << 30, 30});
  return L;
}

Network single_layer_net(const Layer& L) {
  Network n;
  n.input_shape = L.in_shape;
  n.layers = {L};
  n.output = 0;
  n.preprocess.mean.assign(size_t(L.in_shape.c), 0.0);
  n.preprocess.std.assign(size_t(L.in_shape.c), 1.0);
  n.preprocess.multiplier.assign(size_t(L.in_shape.c), int64_t(1) << Preprocess::kShift);  // code = pixel
  n.preprocess.offset.assign(size_t(L.in_shape.c), 0);
  return n;
}

}  // namespace

TEST_CASE("rounding shift and requantization are worked by hand", "[golden]") {
  CHECK(round_shift(7, 1) == 4);     // 3.5 -> 4 (half up)
  CHECK(round_shift(-7, 1) == -3);   // -3.5 -> -3 (half up)
  CHECK(round_shift(5, 2) == 1);     // 1.25 -> 1
  CHECK(round_shift(6, 2) == 2);     // 1.5 -> 2
  Requant half = make_requant(0.5);  // 0.5 = 0.5 * 2^0 -> M = 2^30, shift 31
  CHECK(half.multiplier == (int64_t(1) << 30));
  CHECK(half.shift == 31);
  CHECK(requantize(7, half, 0) == 4);  // 3.5 -> 4
  CHECK(requantize(7, half, 10) == 14);
  CHECK(requantize(1000, half, 0) == 255);  // saturates high
  CHECK(requantize(-40, half, 10) == 0);    // saturates low
  Requant r = make_requant(0.75);           // f = 0.75, e = 0 -> M = 0.75 * 2^31, shift 31
  CHECK(r.multiplier == 1610612736);
  CHECK(r.shift == 31);
  CHECK(round_half_away(2.5) == 3);
  CHECK(round_half_away(-2.5) == -3);
  CHECK_THROWS(make_requant(0.0));
  CHECK_THROWS(make_requant(1e30));
}

TEST_CASE("a 2x2 convolution on a 3x3 input, worked by hand", "[golden]") {
  Layer L = conv_layer({1, 3, 3}, 1, 2, 1, 0, 1, 8, WeightStorage::Unsigned);
  // Weights stored unsigned with zero point 130: real codes 1, -1, 2, 0.
  L.weight.stored = {131, 129, 132, 130};
  L.weight.zero_point = {130};
  L.bias = {5};
  L.in_quant.zero_point = 2;
  Network net = single_layer_net(L);
  // input codes (minus zero point 2): [1 2 3; 4 5 6; 7 8 9] -> [-1 0 1; 2 3 4; 5 6 7]
  std::vector<uint8_t> in = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  auto acc = layer_accumulators(net, 0, in, L.weight.stored);
  // out(0,0) = 5 + 1*(-1) - 1*0 + 2*2 + 0*3 = 8;  out(0,1) = 5 + 0 - 1 + 6 + 0 = 10
  // out(1,0) = 5 + 2 - 3 + 10 + 0 = 14;           out(1,1) = 5 + 3 - 4 + 12 + 0 = 16
  CHECK(acc == std::vector<int32_t>{8, 10, 14, 16});
}

TEST_CASE("two's complement storage decodes sign-extended m-bit patterns", "[golden]") {
  WeightTensor t;
  t.bits = 4;
  t.storage = WeightStorage::TwosComplement;
  CHECK(t.decode(0b0111) == 7);
  CHECK(t.decode(0b1000) == -8);
  CHECK(t.decode(0b1111) == -1);
  t.storage = WeightStorage::Unsigned;
  CHECK(t.decode(0b1111) == 15);
}

TEST_CASE("32-bit accumulators wrap around like hardware adders", "[golden]") {
  Layer L = conv_layer({1, 1, 1}, 1, 1, 1, 0, 1, 8, WeightStorage::TwosComplement);
  L.weight.stored = {1};
  L.bias = {INT32_MAX};
  Network net = single_layer_net(L);
  auto acc = layer_accumulators(net, 0, {1}, L.weight.stored);
  CHECK(acc[0] == INT32_MIN);
}

TEST_CASE("convolution with padding, stride and groups equals an explicitly padded computation", "[golden]") {
  std::mt19937 rng(1234);
  auto [cin, cout, k, stride, pad, groups, bits] =
      GENERATE(std::make_tuple(2, 4, 3, 1, 1, 1, 8), std::make_tuple(4, 4, 3, 2, 1, 2, 5),
               std::make_tuple(3, 3, 3, 1, 2, 3, 3), std::make_tuple(4, 2, 1, 2, 0, 1, 2));
  const Shape in_shape{cin, 7, 6};
  for (WeightStorage st : {WeightStorage::Unsigned, WeightStorage::TwosComplement}) {
    Layer L = conv_layer(in_shape, cout, k, stride, pad, groups, bits, st);
    for (auto& w : L.weight.stored) w = uint8_t(rng() % (1u << bits));
    for (int o = 0; o < cout; ++o) {
      L.weight.zero_point[size_t(o)] = int32_t(rng() % 7) - 3;
      L.bias[size_t(o)] = int32_t(rng() % 200) - 100;
    }
    L.in_quant.zero_point = int32_t(rng() % 256);
    Network net = single_layer_net(L);
    std::vector<uint8_t> in(size_t(in_shape.size()));
    for (auto& v : in) v = uint8_t(rng());
    auto acc = layer_accumulators(net, 0, in, L.weight.stored);

    // Independent method: materialise the padded real-valued input, then a dense correlation.
    const int ph = in_shape.h + 2 * pad, pw = in_shape.w + 2 * pad;
    std::vector<int64_t> padded(size_t(cin * ph * pw), 0);
    for (int c = 0; c < cin; ++c)
      for (int y = 0; y < in_shape.h; ++y)
        for (int x = 0; x < in_shape.w; ++x)
          padded[size_t((c * ph + y + pad) * pw + x + pad)] =
              int64_t(in[size_t((c * in_shape.h + y) * in_shape.w + x)]) - L.in_quant.zero_point;
    const int cg = cin / groups, og = cout / groups;
    for (int o = 0; o < cout; ++o)
      for (int y = 0; y < L.out_shape.h; ++y)
        for (int x = 0; x < L.out_shape.w; ++x) {
          int64_t s = L.bias[size_t(o)];
          for (int c = 0; c < cg; ++c)
            for (int ky = 0; ky < k; ++ky)
              for (int kx = 0; kx < k; ++kx) {
                int64_t pattern = L.weight.stored[size_t(((o * cg + c) * k + ky) * k + kx)];
                int64_t wv = (st == WeightStorage::TwosComplement && pattern >= (1 << (bits - 1)))
                                 ? pattern - (1 << bits)
                                 : pattern;
                s += (wv - L.weight.zero_point[size_t(o)]) *
                     padded[size_t((((o / og) * cg + c) * ph + y * stride + ky) * pw + x * stride + kx)];
              }
          CHECK(acc[size_t((o * L.out_shape.h + y) * L.out_shape.w + x)] == s);
        }
  }
}

TEST_CASE("pooling, relu and residual add follow the documented integer rules", "[golden]") {
  Network net;
  net.input_shape = {1, 2, 4};
  net.input_quant = {1.0, 3};
  net.preprocess.mean = {0};
  net.preprocess.std = {1};
  net.preprocess.multiplier = {int64_t(1) << Preprocess::kShift};
  net.preprocess.offset = {-(int64_t(3) << Preprocess::kShift)};  // code = 3 + (pixel - 3) = pixel
  Layer relu;
  relu.type = LayerType::Relu;
  relu.inputs = {-1};
  relu.in_shape = relu.out_shape = {1, 2, 4};
  relu.in_quant = relu.out_quant = {1.0, 3};
  Layer maxp = relu;
  maxp.type = LayerType::MaxPool2d;
  maxp.inputs = {0};
  maxp.kernel_h = maxp.kernel_w = maxp.stride_h = maxp.stride_w = 2;
  maxp.out_shape = {1, 1, 2};
  Layer avgp = maxp;
  avgp.type = LayerType::AvgPool2d;
  Layer add;
  add.type = LayerType::Add;
  add.inputs = {1, 2};
  add.in_shape = add.out_shape = {1, 1, 2};
  add.in_quant = {1.0, 3};
  add.out_quant = {2.0, 10};
  // ratios 0.5 and 0.5: frexp(0.5) = (0.5, 0) -> shift 31, multipliers 2^30.
  add.add_multiplier = {int64_t(1) << 30, int64_t(1) << 30};
  add.add_shift = 31;
  net.layers = {relu, maxp, avgp, add};
  net.output = 3;
  std::vector<int64_t> m;
  int sh = 0;
  make_add_requant({{1.0, 3}, {1.0, 3}}, {2.0, 10}, m, sh);
  CHECK(m == add.add_multiplier);
  CHECK(sh == 31);

  const uint8_t pixels[8] = {0, 9, 4, 4, 6, 1, 5, 6};
  auto outs = run_all_layers(net, pixels, stored_weights(net));
  CHECK(outs[0] == std::vector<uint8_t>{3, 9, 4, 4, 6, 3, 5, 6});  // max(q, 3)
  CHECK(outs[1] == std::vector<uint8_t>{9, 6});                    // window maxima
  // windows {3,9,6,3} sum 21 -> floor((21+2)/4) = 5; {4,4,5,6} sum 19 -> floor(21/4) = 5
  CHECK(outs[2] == std::vector<uint8_t>{5, 5});
  // add: 10 + round((9-3)*0.5 + (5-3)*0.5) = 10 + 4 = 14;  10 + round(1.5 + 1) = 10 + round_half_up(2.5) = 13
  CHECK(outs[3] == std::vector<uint8_t>{14, 13});
}

TEST_CASE("integer preprocessing equals the real-valued formula rounded", "[golden]") {
  Preprocess p;
  p.pixel_scale = 1.0 / 255.0;
  p.mean = {0.2860};
  p.std = {0.3530};
  ActivationQuant q{0.0125, 23};
  derive_preprocess(p, q);
  for (int px = 0; px < 256; ++px) {
    double x = (px / 255.0 - 0.2860) / 0.3530;
    double real_code = x / 0.0125 + 23;
    int got = preprocess_pixel(p, 0, uint8_t(px), 23);
    int want = int(std::clamp(std::floor(real_code + 0.5), 0.0, 255.0));
    // The 24-bit fixed-point form may differ only where the real value sits within 2^-20 of a
    // rounding boundary; none of these 256 pixels does.
    CHECK(got == want);
  }
}

TEST_CASE("predictions do not depend on the thread count", "[golden]") {
  std::mt19937 rng(7);
  Layer L = conv_layer({1, 6, 6}, 4, 3, 1, 1, 1, 6, WeightStorage::Unsigned);
  for (auto& w : L.weight.stored) w = uint8_t(rng() % 64);
  L.weight.zero_point.assign(4, 32);
  L.requant.assign(4, make_requant(0.01));
  Layer pool;
  pool.type = LayerType::AvgPool2d;
  pool.inputs = {0};
  pool.in_shape = L.out_shape;
  pool.kernel_h = pool.kernel_w = pool.stride_h = pool.stride_w = 6;
  pool.out_shape = {4, 1, 1};
  Network net = single_layer_net(L);
  net.layers.push_back(pool);
  net.output = 1;
  std::vector<uint8_t> pixels(36 * 50);
  for (auto& v : pixels) v = uint8_t(rng());
  auto w = stored_weights(net);
  auto p1 = predict(net, pixels.data(), 50, w, 1);
  auto p3 = predict(net, pixels.data(), 50, w, 3);
  CHECK(p1 == p3);
  for (int i = 0; i < 50; ++i) CHECK(p1[size_t(i)] == argmax_class(run_all_layers(net, pixels.data() + 36 * i, w)[1]));
}
