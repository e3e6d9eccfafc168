#include "bench/previous/fast_layers.h"

#include <algorithm>
#include <cmath>

namespace lvsim::previous {

void to_chw(const uint8_t* hwc, const Shape& s, uint8_t* chw) {
  const int64_t plane = int64_t(s.h) * s.w;
  for (int64_t p = 0; p < plane; ++p)
    for (int c = 0; c < s.c; ++c) chw[c * plane + p] = hwc[p * s.c + c];
}

void pool_hwc(const Layer& L, const Shape& in, int64_t n, const uint8_t* x0, uint8_t* y0) {
  const Shape& os = L.out_shape;
  const bool is_max = L.type == LayerType::MaxPool2d;
  const int32_t window = L.kernel_h * L.kernel_w;
  std::vector<int32_t> sum(size_t(os.c));
  for (int64_t i = 0; i < n; ++i) {
    const uint8_t* x = x0 + i * in.size();
    uint8_t* y = y0 + i * os.size();
    for (int oy = 0; oy < os.h; ++oy)
      for (int ox = 0; ox < os.w; ++ox) {
        uint8_t* yo = y + (int64_t(oy) * os.w + ox) * os.c;
        if (is_max)
          std::fill(yo, yo + os.c, uint8_t(0));
        else
          std::fill(sum.begin(), sum.end(), 0);
        for (int ky = 0; ky < L.kernel_h; ++ky) {
          const int iy = oy * L.stride_h - L.pad_h + ky;
          if (iy < 0 || iy >= in.h) continue;
          for (int kx = 0; kx < L.kernel_w; ++kx) {
            const int ix = ox * L.stride_w - L.pad_w + kx;
            if (ix < 0 || ix >= in.w) continue;
            const uint8_t* v = x + (int64_t(iy) * in.w + ix) * in.c;
            if (is_max) {
              for (int c = 0; c < in.c; ++c) yo[c] = std::max(yo[c], v[c]);
            } else {
              for (int c = 0; c < in.c; ++c) sum[size_t(c)] += v[c];
            }
          }
        }
        if (!is_max)
          for (int c = 0; c < os.c; ++c) yo[c] = uint8_t((sum[size_t(c)] + window / 2) / window);
      }
  }
}

namespace {
// Group normalization:
// per group, the sums of x and x^2, one reciprocal square root, then a table of the output code
// for each of the 256 input codes per channel (the normalized value depends on the code only).
using i128 = __int128;

int64_t floor_sqrt_u128(unsigned __int128 v) {
  auto r = (unsigned __int128)(std::sqrt((long double)v));
  while (r * r > v) --r;
  while ((r + 1) * (r + 1) <= v) ++r;
  return int64_t(r);
}

}  // namespace

void group_norm_hwc(const Layer& L, const std::vector<uint8_t>& params, const uint8_t* x, uint8_t* y) {
  const Shape s = L.in_shape;
  const int64_t plane = int64_t(s.h) * s.w;
  const int cg = s.c / L.groups;
  const int64_t n = plane * cg;
  const WeightTensor& W = L.weight;
  const GroupNormParams& p = L.norm;
  const int z_in = L.in_quant.zero_point, z_out = L.out_quant.zero_point;
  const int rs = p.gamma_requant.shift + 24;
  // Histogram of codes per channel: the group sums follow from it.
  std::vector<int64_t> hist(size_t(s.c) * 256, 0);
  for (int64_t q = 0; q < plane; ++q)
    for (int c = 0; c < s.c; ++c) ++hist[size_t(c) * 256 + x[q * s.c + c]];
  std::vector<uint8_t> table(size_t(s.c) * 256);
  for (int g = 0; g < L.groups; ++g) {
    int64_t s1 = 0, s2 = 0;
    for (int c = g * cg; c < (g + 1) * cg; ++c)
      for (int v = 0; v < 256; ++v) {
        const int64_t k = hist[size_t(c) * 256 + size_t(v)], d = v - z_in;
        s1 += k * d;
        s2 += k * d * d;
      }
    const int64_t D = n * s2 - s1 * s1 + p.eps_term;
    const int64_t Q = floor_sqrt_u128((unsigned __int128)D << 32);
    const int b = 64 - __builtin_clzll(uint64_t(Q));
    const int64_t inv = int64_t((i128(1) << (b + 30)) / Q);
    for (int c = g * cg; c < (g + 1) * cg; ++c) {
      const i128 gm = i128((int64_t(W.decode(params[size_t(c)])) - W.zero_point[0]) * 256 + p.offset_term) *
                      p.gamma_requant.multiplier;
      const i128 bk = i128(W.decode(params[size_t(s.c + c)]) - W.zero_point[1]) * p.beta_multiplier;
      for (int v = 0; v < 256; ++v) {
        const i128 h = (i128(n * (v - z_in) - s1) * inv + (i128(1) << (b - 3))) >> (b - 2);
        const i128 out = z_out + ((h * gm + bk + (i128(1) << (rs - 1))) >> rs);
        table[size_t(c) * 256 + size_t(v)] = uint8_t(out < 0 ? 0 : out > 255 ? 255 : int(out));
      }
    }
  }
  for (int64_t q = 0; q < plane; ++q)
    for (int c = 0; c < s.c; ++c) y[q * s.c + c] = table[size_t(c) * 256 + x[q * s.c + c]];
}

}  // namespace lvsim::previous
