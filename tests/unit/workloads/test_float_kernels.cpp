// The float conv2d / linear kernels (Eigen GEMM and the previous direct loops) against a direct
// convolution written here from the definition and summed in double, on random shapes.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "common/rng.h"
#include "workloads/inference/float_kernels.h"

using namespace lvsim;

namespace {

// Reference output and, per output, S = |bias| + sum |w * x| over its products: a float sum of
// K + 1 terms in any order (with or without fused multiply-adds) is within gamma(K + 1) * S of the
// exact value, gamma(n) = n u / (1 - n u), u = 2^-24. The double sum here is exact to ~K * 2^-53 * S.
struct Reference {
  std::vector<double> value, magnitude;
};

Reference direct_conv(const Layer& l, const Shape& is, const Shape& os, const std::vector<float>& in,
                      const std::vector<float>& w, const std::vector<float>& bias) {
  const int cin_g = is.c / l.groups, cout_g = l.out_channels / l.groups;
  Reference r;
  for (int o = 0; o < l.out_channels; ++o)
    for (int oy = 0; oy < os.h; ++oy)
      for (int ox = 0; ox < os.w; ++ox) {
        double sum = bias[size_t(o)], mag = std::fabs(double(bias[size_t(o)]));
        const int g = o / cout_g;
        for (int ci = 0; ci < cin_g; ++ci)
          for (int ky = 0; ky < l.kernel_h; ++ky)
            for (int kx = 0; kx < l.kernel_w; ++kx) {
              const int iy = oy * l.stride_h + ky - l.pad_h, ix = ox * l.stride_w + kx - l.pad_w;
              if (iy < 0 || ix < 0 || iy >= is.h || ix >= is.w) continue;
              const double p = double(w[size_t(((o * cin_g + ci) * l.kernel_h + ky) * l.kernel_w + kx)]) *
                               double(in[size_t(((g * cin_g + ci) * is.h + iy) * is.w + ix)]);
              sum += p;
              mag += std::fabs(p);
            }
        r.value.push_back(sum);
        r.magnitude.push_back(mag);
      }
  return r;
}

double gamma_bound(int64_t terms) {
  const double u = std::ldexp(1.0, -24);
  return double(terms) * u / (1.0 - double(terms) * u);
}

// Values in [-range, range): full-mantissa floats, or small integers (exact sums) when `integer`.
std::vector<float> random_values(SplitMix64& rng, int64_t n, bool integer, double range) {
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v)
    x = integer ? float(int64_t(rng.next() % uint64_t(2 * range)) - int64_t(range))
                : float((2.0 * rng.uniform() - 1.0) * range);
  return v;
}

struct ConvCase {
  Layer layer;
  Shape in, out;
};

ConvCase random_conv(SplitMix64& rng, int index) {
  auto pick = [&](int lo, int hi) { return lo + int(rng.next() % uint64_t(hi - lo + 1)); };
  ConvCase c;
  Layer& l = c.layer;
  l.type = LayerType::Conv2d;
  const int kind = index % 4;  // 0: dense, 1: grouped, 2: depthwise, 3: 1x1 stride 1 unpadded (no im2col)
  l.groups = kind == 0 || kind == 3 ? 1 : kind == 1 ? pick(2, 3) : pick(2, 8);
  const int cin_g = kind == 2 ? 1 : pick(1, 12), cout_g = kind == 2 ? pick(1, 2) : pick(1, 9);
  l.kernel_h = kind == 3 ? 1 : pick(1, 5);
  l.kernel_w = kind == 3 ? 1 : pick(1, 5);
  l.stride_h = kind == 3 ? 1 : pick(1, 3);
  l.stride_w = kind == 3 ? 1 : pick(1, 3);
  l.pad_h = kind == 3 ? 0 : pick(0, 2);
  l.pad_w = kind == 3 ? 0 : pick(0, 2);
  c.in = Shape{l.groups * cin_g, pick(1, 13), pick(1, 13)};
  c.in.h = std::max(c.in.h, l.kernel_h - 2 * l.pad_h);  // at least one output row and column
  c.in.w = std::max(c.in.w, l.kernel_w - 2 * l.pad_w);
  l.out_channels = l.groups * cout_g;
  c.out = Shape{l.out_channels, (c.in.h + 2 * l.pad_h - l.kernel_h) / l.stride_h + 1,
                (c.in.w + 2 * l.pad_w - l.kernel_w) / l.stride_w + 1};
  return c;
}

}  // namespace

TEST_CASE("float conv2d kernels agree with a direct double convolution on random shapes", "[float_kernels]") {
  SplitMix64 rng(derive_seed(24, 5));
  for (int i = 0; i < 400; ++i) {
    const ConvCase c = random_conv(rng, i);
    const Layer& l = c.layer;
    const bool integer = i % 5 == 4;  // small integers: every partial sum is exact in float
    const std::vector<float> in = random_values(rng, c.in.size(), integer, integer ? 8 : 3.0);
    const std::vector<float> w =
        random_values(rng, int64_t(l.out_channels) * (c.in.c / l.groups) * l.kernel_h * l.kernel_w, integer, 8);
    const std::vector<float> bias = random_values(rng, l.out_channels, integer, 8);
    const Reference ref = direct_conv(l, c.in, c.out, in, w, bias);
    const int64_t terms = int64_t(c.in.c / l.groups) * l.kernel_h * l.kernel_w + 1;
    for (FloatKernels k : {FloatKernels::Gemm, FloatKernels::Loops}) {
      INFO("case " << i << (k == FloatKernels::Gemm ? " gemm" : " loops") << ": in " << c.in.c << "x" << c.in.h << "x"
                   << c.in.w << " out " << l.out_channels << " groups " << l.groups << " kernel " << l.kernel_h << "x"
                   << l.kernel_w << " stride " << l.stride_h << "," << l.stride_w << " pad " << l.pad_h << ","
                   << l.pad_w);
      std::vector<float> out(size_t(c.out.size()), -12345.0f);
      float_conv2d(k, l, c.in, c.out, in.data(), w.data(), bias.data(), out.data());
      int64_t bad = 0;
      for (size_t j = 0; j < out.size(); ++j) {
        const double err = std::fabs(double(out[j]) - ref.value[j]);
        if (integer ? err != 0.0 : err > gamma_bound(terms) * ref.magnitude[j] + 1e-30) ++bad;
      }
      CHECK(bad == 0);
    }
  }
}

TEST_CASE("float linear kernels agree with a double dot product", "[float_kernels]") {
  SplitMix64 rng(derive_seed(24, 6));
  for (int i = 0; i < 60; ++i) {
    const int64_t n = 1 + int64_t(rng.next() % 40), k = 1 + int64_t(rng.next() % 700);
    const bool integer = i % 4 == 3;
    const std::vector<float> in = random_values(rng, k, integer, integer ? 8 : 2.0);
    const std::vector<float> w = random_values(rng, n * k, integer, 8);
    const std::vector<float> bias = random_values(rng, n, integer, 8);
    for (FloatKernels kern : {FloatKernels::Gemm, FloatKernels::Loops}) {
      INFO("case " << i << " n " << n << " k " << k << (kern == FloatKernels::Gemm ? " gemm" : " loops"));
      std::vector<float> out(static_cast<size_t>(n));
      float_linear(kern, n, k, in.data(), w.data(), bias.data(), out.data());
      int64_t bad = 0;
      for (int64_t o = 0; o < n; ++o) {
        double sum = bias[size_t(o)], mag = std::fabs(double(bias[size_t(o)]));
        for (int64_t j = 0; j < k; ++j) {
          const double p = double(w[size_t(o * k + j)]) * double(in[size_t(j)]);
          sum += p;
          mag += std::fabs(p);
        }
        const double err = std::fabs(double(out[size_t(o)]) - sum);
        if (integer ? err != 0.0 : err > gamma_bound(k + 1) * mag + 1e-30) ++bad;
      }
      CHECK(bad == 0);
    }
  }
}
