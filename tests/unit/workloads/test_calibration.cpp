// Float inference (hand-worked layers) and calibration (ranges computed by hand or by sorting).
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>

#include "common/errors.h"
#include "common/rng.h"
#include "workloads/import/calibration.h"
#include "workloads/inference/float_inference.h"

using namespace lvsim;

namespace {

// Weight tensor with real values scale * code (8-bit unsigned storage, zero point 128).
WeightTensor weights_from_codes(const std::vector<int>& codes, int64_t out_channels, double scale) {
  WeightTensor t;
  t.bits = 8;
  t.storage = WeightStorage::Unsigned;
  t.out_channels = out_channels;
  t.per_out = int64_t(codes.size()) / out_channels;
  for (int c : codes) t.stored.push_back(uint8_t(c + 128));
  t.scale.assign(size_t(out_channels), scale);
  t.zero_point.assign(size_t(out_channels), 128);
  return t;
}

// Input x = p (pixel_scale 1, mean 0, std 1).
Network identity_input_net(Shape in) {
  Network net;
  net.name = "test";
  net.input_shape = in;
  net.preprocess.pixel_scale = 1.0;
  net.preprocess.mean.assign(size_t(in.c), 0.0);
  net.preprocess.std.assign(size_t(in.c), 1.0);
  return net;
}

Layer simple_layer(const std::string& name, LayerType type, std::vector<int> inputs, Shape in, Shape out) {
  Layer l;
  l.name = name;
  l.type = type;
  l.inputs = std::move(inputs);
  l.in_shape = in;
  l.out_shape = out;
  return l;
}

Layer conv_2x2(int stride, int pad, Shape out) {
  Layer l = simple_layer("conv", LayerType::Conv2d, {-1}, Shape{1, 3, 3}, out);
  l.out_channels = 1;
  l.kernel_h = l.kernel_w = 2;
  l.stride_h = l.stride_w = stride;
  l.pad_h = l.pad_w = pad;
  l.weight = weights_from_codes({2, -1, 4, 0}, 1, 0.5);  // kernel [[1, -0.5], [2, 0]]
  l.bias_real = {0.25};
  return l;
}

const std::vector<uint8_t> kImage3x3 = {1, 2, 3, 4, 5, 6, 7, 8, 9};

}  // namespace

TEST_CASE("float conv2d: 2x2 kernel on a 3x3 input, worked by hand", "[float_inference]") {
  Network net = identity_input_net(Shape{1, 3, 3});
  SECTION("stride 1, no padding") {
    net.layers.push_back(conv_2x2(1, 0, Shape{1, 2, 2}));
    FloatActivations a = float_inference(net, kImage3x3.data());
    // out(y,x) = 1 in(y,x) - 0.5 in(y,x+1) + 2 in(y+1,x) + 0.25
    CHECK(a.input == std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8, 9});
    CHECK(a.layers[0] == std::vector<float>{8.25f, 10.75f, 15.75f, 18.25f});
  }
  SECTION("stride 2, padding 1") {
    net.layers.push_back(conv_2x2(2, 1, Shape{1, 2, 2}));
    FloatActivations a = float_inference(net, kImage3x3.data());
    // Window origins (-1,-1), (-1,1), (1,-1), (1,1); only in-image taps count.
    CHECK(a.layers[0] == std::vector<float>{0.25f, 4.25f, -1.75f, 18.25f});
  }
  SECTION("inconsistent output shape is rejected") {
    net.layers.push_back(conv_2x2(1, 0, Shape{1, 3, 3}));
    CHECK_THROWS_AS(float_inference(net, kImage3x3.data()), ConfigError);
  }
}

TEST_CASE("float conv2d with groups reads its own input channels", "[float_inference]") {
  Network net = identity_input_net(Shape{2, 1, 2});
  Layer l = simple_layer("dw", LayerType::Conv2d, {-1}, Shape{2, 1, 2}, Shape{2, 1, 2});
  l.out_channels = 2;
  l.groups = 2;
  l.weight = weights_from_codes({6, -2}, 2, 0.5);  // channel 0 x 3, channel 1 x -1
  net.layers.push_back(l);
  const std::vector<uint8_t> px = {1, 2, 10, 20};
  CHECK(float_inference(net, px.data()).layers[0] == std::vector<float>{3, 6, -10, -20});
}

TEST_CASE("float linear: two's complement weights, preprocessing, int32 bias", "[float_inference]") {
  Network net;
  net.input_shape = Shape{3, 1, 1};
  net.preprocess.pixel_scale = 0.1;
  net.preprocess.mean = {1, 1, 1};
  net.preprocess.std = {2, 2, 2};
  Layer l = simple_layer("fc", LayerType::Linear, {-1}, Shape{3, 1, 1}, Shape{2, 1, 1});
  l.out_channels = 2;
  WeightTensor& w = l.weight;
  w.bits = 4;
  w.storage = WeightStorage::TwosComplement;
  w.out_channels = 2;
  w.per_out = 3;
  w.stored = {2, 4, 14, 1, 0, 2};  // codes [2, 4, -2], [1, 0, 2]; x 0.5 = [1, 2, -1], [0.5, 0, 1]
  w.scale = {0.5, 0.5};
  w.zero_point = {0, 0};
  l.bias = {4, -2};  // at scale s_in * s_w = 0.25 * 0.5: real 0.5, -0.25
  l.in_quant.scale = 0.25;
  net.layers.push_back(l);
  const std::vector<uint8_t> px = {10, 20, 30};  // x = (0.1 p - 1) / 2 = 0, 0.5, 1
  FloatActivations a = float_inference(net, px.data());
  REQUIRE(a.input.size() == 3);
  CHECK(a.input[0] == Approx(0.0).margin(1e-6));
  CHECK(a.input[1] == Approx(0.5));
  CHECK(a.input[2] == Approx(1.0));
  REQUIRE(a.layers[0].size() == 2);
  CHECK(a.layers[0][0] == Approx(1 * 0 + 2 * 0.5 - 1 * 1 + 0.5));
  CHECK(a.layers[0][1] == Approx(0.5 * 0 + 0 * 0.5 + 1 * 1 - 0.25));
  // An int32 bias whose input scale is not known yet counts as zero.
  FloatNetwork unknown(net, {false});
  CHECK(unknown.run(px.data()).layers[0][1] == Approx(1.0));
  // A float bias wins over the int32 one.
  net.layers[0].bias_real = {10, 20};
  CHECK(float_inference(net, px.data()).layers[0][1] == Approx(21.0));
}

TEST_CASE("float relu, pools, add, flatten", "[float_inference]") {
  Network net = identity_input_net(Shape{1, 4, 4});
  net.preprocess.mean = {8};  // x = p - 8: rows [-8..-5], [-4..-1], [0..3], [4..7]
  const Shape s4{1, 4, 4}, s2{1, 2, 2};
  net.layers.push_back(simple_layer("relu", LayerType::Relu, {-1}, s4, s4));
  Layer mp = simple_layer("max", LayerType::MaxPool2d, {0}, s4, s2);
  mp.kernel_h = mp.kernel_w = mp.stride_h = mp.stride_w = 2;
  net.layers.push_back(mp);
  Layer ap = simple_layer("avg", LayerType::AvgPool2d, {0}, s4, s2);
  ap.kernel_h = ap.kernel_w = ap.stride_h = ap.stride_w = 2;
  net.layers.push_back(ap);
  net.layers.push_back(simple_layer("add", LayerType::Add, {1, 2}, s2, s2));
  net.layers.push_back(simple_layer("flat", LayerType::Flatten, {3}, s2, Shape{4, 1, 1}));
  Layer gap = simple_layer("gap", LayerType::AvgPool2d, {-1}, s4, Shape{1, 1, 1});
  gap.kernel_h = gap.kernel_w = gap.stride_h = gap.stride_w = 4;
  net.layers.push_back(gap);
  Layer padded = simple_layer("maxpad", LayerType::MaxPool2d, {-1}, s4, s2);
  padded.kernel_h = padded.kernel_w = 3;
  padded.stride_h = padded.stride_w = 2;
  padded.pad_h = padded.pad_w = 1;
  net.layers.push_back(padded);

  std::vector<uint8_t> px(16);
  for (int i = 0; i < 16; ++i) px[size_t(i)] = uint8_t(i);
  FloatActivations a = float_inference(net, px.data());
  CHECK(a.layers[0] == std::vector<float>{0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7});
  CHECK(a.layers[1] == std::vector<float>{0, 0, 5, 7});
  CHECK(a.layers[2] == std::vector<float>{0, 0, 2.5f, 4.5f});
  CHECK(a.layers[3] == std::vector<float>{0, 0, 7.5f, 11.5f});
  CHECK(a.layers[4] == a.layers[3]);
  CHECK(a.layers[5] == std::vector<float>{-0.5f});  // mean(0..15) - 8
  // Padding positions are ignored, not zeros: the top-left window holds only negatives.
  CHECK(a.layers[6] == std::vector<float>{-3, -1, 5, 7});
}

namespace {

// Four 1x1x2 images; input x = p; fc: y = x0 - 2 x1 + 1 over them gives 11, -39, -4, 29.
Dataset tiny_dataset() {
  Dataset d;
  d.source = "tiny";
  d.count = 4;
  d.image_shape = Shape{1, 1, 2};
  d.pixels = {10, 0, 0, 20, 5, 5, 30, 1};
  d.labels = {0, 1, 2, 3};
  return d;
}

Network one_layer_net(bool relu) {
  Network net = identity_input_net(Shape{1, 1, 2});
  Layer fc = simple_layer("fc", LayerType::Linear, {-1}, Shape{1, 1, 2}, Shape{1, 1, 1});
  fc.out_channels = 1;
  fc.weight = weights_from_codes({2, -4}, 1, 0.5);
  fc.bias_real = {1.0};
  net.layers.push_back(fc);
  if (relu) net.layers.push_back(simple_layer("relu", LayerType::Relu, {0}, Shape{1, 1, 1}, Shape{1, 1, 1}));
  net.output = int(net.layers.size()) - 1;
  return net;
}

// scale = (hi - lo) / 255, zero point = round(-lo / scale), for lo <= 0 <= hi.
void check_quant(const ActivationQuant& q, double lo, double hi) {
  CHECK(q.scale == Approx((hi - lo) / 255.0).epsilon(1e-12));
  CHECK(q.zero_point == int(std::lround(-lo / ((hi - lo) / 255.0))));
}

}  // namespace

TEST_CASE("calibration of a one-layer network, ranges by hand", "[calibration]") {
  Dataset d = tiny_dataset();
  SECTION("min-max over all images") {
    Network net = one_layer_net(false);
    calibrate(net, d, 4, CalibrationMethod::MinMax, 1);
    check_quant(net.input_quant, 0, 30);
    check_quant(net.layers[0].out_quant, -39, 29);
    CHECK(net.layers[0].out_quant.zero_point == 146);  // 39 / (68 / 255) = 146.25
    // finalize_network ran: in_quant set, bias quantized at s_in * s_w, requant and preprocessing derived.
    CHECK(net.layers[0].in_quant.scale == net.input_quant.scale);
    CHECK(net.layers[0].bias == std::vector<int32_t>{int32_t(std::lround(1.0 / (30.0 / 255 * 0.5)))});
    CHECK(net.layers[0].requant.size() == 1);
    CHECK(net.preprocess.multiplier.size() == 1);
  }
  SECTION("only the first images count") {
    Network net = one_layer_net(false);
    calibrate(net, d, 3, CalibrationMethod::MinMax, 2);
    check_quant(net.input_quant, 0, 20);
    check_quant(net.layers[0].out_quant, -39, 11);
  }
  SECTION("a layer read only by a relu uses the post-relu range; the relu inherits it") {
    Network net = one_layer_net(true);
    calibrate(net, d, 4, CalibrationMethod::MinMax, 1);
    check_quant(net.layers[0].out_quant, 0, 29);
    CHECK(net.layers[0].out_quant.zero_point == 0);
    CHECK(net.layers[1].out_quant.scale == net.layers[0].out_quant.scale);
    CHECK(net.layers[1].in_quant.scale == net.layers[0].out_quant.scale);
  }
  SECTION("the network output keeps its negative range even when a relu also reads it") {
    Network net = one_layer_net(true);
    net.output = 0;
    calibrate(net, d, 4, CalibrationMethod::MinMax, 1);
    check_quant(net.layers[0].out_quant, -39, 29);
  }
  SECTION("given quantizations are kept") {
    Network net = one_layer_net(false);
    net.input_quant = ActivationQuant{0.5, 3};
    net.input_quant_given = true;
    net.layers[0].out_quant = ActivationQuant{0.25, 100};
    net.layers[0].out_quant_given = true;
    calibrate(net, d, 4, CalibrationMethod::MinMax, 1);
    CHECK(net.input_quant.scale == 0.5);
    CHECK(net.input_quant.zero_point == 3);
    CHECK(net.layers[0].out_quant.scale == 0.25);
    CHECK(net.layers[0].out_quant.zero_point == 100);
  }
  SECTION("int32 bias needing the calibrated input scale: calibrated in a second pass") {
    // s_in = 30/255 and s_w = 0.5, so bias 17 is the real 17 * 30/255 * 0.5 = 1.0, as above.
    Network net = one_layer_net(false);
    net.layers[0].bias_real.clear();
    net.layers[0].bias = {17};
    calibrate(net, d, 4, CalibrationMethod::MinMax, 1);
    check_quant(net.layers[0].out_quant, -39, 29);
    CHECK(net.layers[0].bias == std::vector<int32_t>{17});
  }
  SECTION("errors") {
    Network net = one_layer_net(false);
    CHECK_THROWS_AS(calibrate(net, d, 0, CalibrationMethod::MinMax, 1), ConfigError);
    net.input_shape = Shape{1, 2, 1};
    CHECK_THROWS_AS(calibrate(net, d, 4, CalibrationMethod::MinMax, 1), ConfigError);
  }
}

TEST_CASE("percentile calibration takes the 0.01 % / 99.99 % order statistics", "[calibration]") {
  // 200 images of 100 pixels: 20,000 input values, nearest-rank index floor(0.0001 * 19999) = 1,
  // so lo / hi are the second smallest / second largest value.
  const int n_img = 200, n_px = 100;
  Dataset d;
  d.source = "random";
  d.count = n_img;
  d.image_shape = Shape{1, 1, n_px};
  SplitMix64 rng(derive_seed(7, 1));
  for (int i = 0; i < n_img * n_px; ++i) d.pixels.push_back(uint8_t(20 + rng.next() % 200));
  d.pixels[4321] = 0;
  d.pixels[777] = 2;
  d.pixels[15000] = 255;
  d.pixels[9] = 250;
  d.labels.assign(size_t(n_img), 0);

  Network net = identity_input_net(Shape{1, 1, n_px});
  net.preprocess.mean = {128};  // x = p - 128
  Layer fc = simple_layer("fc", LayerType::Linear, {-1}, Shape{1, 1, n_px}, Shape{1, 1, 1});
  fc.out_channels = 1;
  std::vector<int> codes(n_px, 0);
  codes[0] = 2;  // y = x0 - x1 (weights 0.5 * code)
  codes[1] = -2;
  fc.weight = weights_from_codes(codes, 1, 0.5);
  net.layers.push_back(fc);
  net.output = 0;

  std::vector<double> xs, ys;
  for (int i = 0; i < n_img; ++i) {
    for (int k = 0; k < n_px; ++k) xs.push_back(double(d.pixels[size_t(i * n_px + k)]) - 128);
    ys.push_back(double(d.pixels[size_t(i * n_px)]) - double(d.pixels[size_t(i * n_px + 1)]));
  }
  std::sort(xs.begin(), xs.end());
  std::sort(ys.begin(), ys.end());
  REQUIRE(xs[1] == 2 - 128);
  REQUIRE(xs[xs.size() - 2] == 250 - 128);

  for (int threads : {1, 3}) {
    Network n = net;
    calibrate(n, d, n_img, CalibrationMethod::Percentile, threads);
    check_quant(n.input_quant, xs[1], xs[xs.size() - 2]);
    // 200 output values: index floor(0.0001 * 199) = 0, the extremes.
    check_quant(n.layers[0].out_quant, std::min(ys.front(), 0.0), std::max(ys.back(), 0.0));
  }
}

TEST_CASE("calibration does not depend on the thread count", "[calibration]") {
  // conv 3x3 (pad 1, 4 channels) -> relu -> maxpool 2 -> flatten -> linear 10, random weights.
  const int n_img = 37;
  Dataset d;
  d.source = "random";
  d.count = n_img;
  d.image_shape = Shape{1, 8, 8};
  SplitMix64 rng(derive_seed(11, 2));
  for (int i = 0; i < n_img * 64; ++i) d.pixels.push_back(uint8_t(rng.next()));
  d.labels.assign(size_t(n_img), 0);

  Network net = identity_input_net(Shape{1, 8, 8});
  net.preprocess.pixel_scale = 1.0 / 255;
  net.preprocess.mean = {0.5};
  net.preprocess.std = {0.25};
  auto random_codes = [&](int n) {
    std::vector<int> c;
    for (int i = 0; i < n; ++i) c.push_back(int(rng.next() % 255) - 127);
    return c;
  };
  Layer conv = simple_layer("conv", LayerType::Conv2d, {-1}, Shape{1, 8, 8}, Shape{4, 8, 8});
  conv.out_channels = 4;
  conv.kernel_h = conv.kernel_w = 3;
  conv.pad_h = conv.pad_w = 1;
  conv.weight = weights_from_codes(random_codes(36), 4, 0.01);
  conv.bias_real = {0.1, -0.2, 0.3, 0.0};
  net.layers.push_back(conv);
  net.layers.push_back(simple_layer("relu", LayerType::Relu, {0}, Shape{4, 8, 8}, Shape{4, 8, 8}));
  Layer mp = simple_layer("pool", LayerType::MaxPool2d, {1}, Shape{4, 8, 8}, Shape{4, 4, 4});
  mp.kernel_h = mp.kernel_w = mp.stride_h = mp.stride_w = 2;
  net.layers.push_back(mp);
  net.layers.push_back(simple_layer("flat", LayerType::Flatten, {2}, Shape{4, 4, 4}, Shape{64, 1, 1}));
  Layer fc = simple_layer("fc", LayerType::Linear, {3}, Shape{64, 1, 1}, Shape{10, 1, 1});
  fc.out_channels = 10;
  fc.weight = weights_from_codes(random_codes(640), 10, 0.002);
  net.layers.push_back(fc);
  net.output = 4;

  for (CalibrationMethod m : {CalibrationMethod::MinMax, CalibrationMethod::Percentile}) {
    Network a = net, b = net;
    calibrate(a, d, n_img, m, 1);
    calibrate(b, d, n_img, m, 3);
    CHECK(a.input_quant.scale == b.input_quant.scale);
    CHECK(a.input_quant.zero_point == b.input_quant.zero_point);
    for (size_t l = 0; l < net.layers.size(); ++l) {
      CHECK(a.layers[l].out_quant.scale == b.layers[l].out_quant.scale);
      CHECK(a.layers[l].out_quant.zero_point == b.layers[l].out_quant.zero_point);
    }
    // conv is read only by the relu: zero point 0; relu, pool, flatten share it.
    CHECK(a.layers[0].out_quant.zero_point == 0);
    for (int l : {1, 2, 3}) CHECK(a.layers[size_t(l)].out_quant.scale == a.layers[0].out_quant.scale);
  }
  // Min-max of conv = largest conv output over the images, computed by float inference per image.
  Network a = net;
  calibrate(a, d, n_img, CalibrationMethod::MinMax, 2);
  double hi = 0;
  FloatNetwork f(net);
  for (int i = 0; i < n_img; ++i) {
    const FloatActivations act = f.run(d.image(i));
    for (float v : act.layers[0]) hi = std::max(hi, double(v));
  }
  check_quant(a.layers[0].out_quant, 0, hi);
}

TEST_CASE("calibration method names", "[calibration]") {
  CHECK(calibration_method_from_name("min-max") == CalibrationMethod::MinMax);
  CHECK(calibration_method_from_name("percentile") == CalibrationMethod::Percentile);
  CHECK(std::string(calibration_method_name(CalibrationMethod::Percentile)) == "percentile");
  CHECK_THROWS_AS(calibration_method_from_name("minmax"), ConfigError);
}
