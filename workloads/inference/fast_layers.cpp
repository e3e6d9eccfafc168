#include "workloads/inference/fast_layers.h"

#include <algorithm>
#include <cmath>

namespace lvsim {

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
// Group normalization: per channel the sums of d = x - z_in and d^2 and the range of codes (one
// pass over the image), per group one reciprocal square root; the output code depends only on
// (channel, code), so it is computed once per code of the channel's range (a table) or, when the
// image has fewer positions than that, once per position. Same integer formulas as golden.
using i128 = __int128;

int64_t floor_sqrt_u128(unsigned __int128 v) {
  auto r = (unsigned __int128)(std::sqrt((long double)v));
  while (r * r > v) --r;
  while ((r + 1) * (r + 1) <= v) ++r;
  return int64_t(r);
}

// Per channel: sums of d and d^2 (d = code - z_in) and the smallest and largest code.
struct ChannelStats {
  std::vector<int64_t> s1, s2;
  std::vector<uint8_t> lo, hi;
};

// Adds the codes x[0, n), their squares, minima and maxima to lanes [0, L) (lane i % L). With L a
// multiple of the channel count the lanes fold into channels; fixed L = 64 vectorizes.
template <int L>
void stats_lanes(const uint8_t* __restrict x, int64_t n, uint32_t* __restrict a, uint32_t* __restrict b,
                 uint8_t* __restrict lo, uint8_t* __restrict hi) {
  int64_t i = 0;
  for (; i + L <= n; i += L)
    for (int j = 0; j < L; ++j) {
      const uint32_t v = x[i + j];
      a[j] += v, b[j] += v * v;
      lo[j] = lo[j] < x[i + j] ? lo[j] : x[i + j];
      hi[j] = hi[j] > x[i + j] ? hi[j] : x[i + j];
    }
  for (int j = 0; i + j < n; ++j) {
    const uint32_t v = x[i + j];
    a[j] += v, b[j] += v * v;
    lo[j] = std::min(lo[j], x[i + j]);
    hi[j] = std::max(hi[j], x[i + j]);
  }
}

ChannelStats channel_stats(const uint8_t* x, int64_t plane, int channels, int z_in) {
  const size_t C = size_t(channels);
  ChannelStats st{std::vector<int64_t>(C, 0), std::vector<int64_t>(C, 0), std::vector<uint8_t>(C, 255),
                  std::vector<uint8_t>(C, 0)};
  // Sums of the raw codes and their squares in uint32 lanes over blocks of positions (each lane
  // sees at most 2^15 codes: 2^15 * 255^2 < 2^32); then d-sums: sum d = sum v - P z and
  // sum d^2 = sum v^2 - 2 z sum v + P z^2 per channel, P its codes in the block.
  const size_t lanes = 64 % C == 0 ? 64 : C;
  constexpr int64_t kBlock = 1 << 15;
  std::vector<uint32_t> a(lanes), b(lanes);
  std::vector<uint8_t> lo(lanes, 255), hi(lanes, 0);
  for (int64_t q0 = 0; q0 < plane; q0 += kBlock) {
    const int64_t q1 = std::min(plane, q0 + kBlock);
    std::fill(a.begin(), a.end(), 0u);
    std::fill(b.begin(), b.end(), 0u);
    if (lanes == 64) {
      stats_lanes<64>(x + q0 * int64_t(C), (q1 - q0) * int64_t(C), a.data(), b.data(), lo.data(), hi.data());
    } else {
      for (int64_t q = q0; q < q1; ++q)
        for (size_t c = 0; c < C; ++c) {
          const uint8_t v = x[size_t(q) * C + c];
          a[c] += v, b[c] += uint32_t(v) * v;
          lo[c] = std::min(lo[c], v), hi[c] = std::max(hi[c], v);
        }
    }
    std::vector<int64_t> sa(C, 0), sb(C, 0);  // sums per channel in this block
    for (size_t j = 0; j < lanes; ++j) sa[j % C] += a[j], sb[j % C] += b[j];
    const int64_t z = z_in, P = q1 - q0;
    for (size_t c = 0; c < C; ++c) {
      st.s1[c] += sa[c] - P * z;
      st.s2[c] += sb[c] - 2 * z * sa[c] + P * z * z;
    }
  }
  for (size_t j = 0; j < lanes; ++j) {
    st.lo[j % C] = std::min(st.lo[j % C], lo[j]);
    st.hi[j % C] = std::max(st.hi[j % C], hi[j]);
  }
  return st;
}

// The output code of one group's channel as a function of the input code (golden's formulas),
// clamped below at min_code (a fused relu).
struct NormChannel {
  int64_t n, s1, inv;
  int b, rs, z_in, z_out, min_code;
  i128 gm, bk;
  // The same in int64 when fits64: with gm = gm_hi 2^32 + gm_lo and c = bk + 2^(rs-1) = c_hi 2^32
  // + c_lo (0 <= gm_lo, c_lo < 2^32), floor((h gm + c) / 2^rs) = floor(w / 2^(rs-32)) where
  // w = h gm_hi + c_hi + floor((h gm_lo + c_lo) / 2^32), exactly; prepare_fast64 bounds every term.
  int64_t gm_hi = 0, gm_lo = 0, c_hi = 0, c_lo = 0;
  bool fits64 = false;
  uint8_t operator()(int v) const {
    const i128 h = (i128(n * (v - z_in) - s1) * inv + (i128(1) << (b - 3))) >> (b - 2);
    const i128 out = z_out + ((h * gm + bk + (i128(1) << (rs - 1))) >> rs);
    return uint8_t(std::max<int>(min_code, out < 0 ? 0 : out > 255 ? 255 : int(out)));
  }
  uint8_t fast64(int v) const {
    const int64_t h = ((n * (v - z_in) - s1) * inv + (int64_t(1) << (b - 3))) >> (b - 2);
    const int64_t w = h * gm_hi + c_hi + ((h * gm_lo + c_lo) >> 32);
    return uint8_t(std::max<int64_t>(min_code, std::clamp<int64_t>(z_out + (w >> (rs - 32)), 0, 255)));
  }
};

// Splits gm and c for fast64 and sets fits64 when every intermediate stays below 2^62 in
// magnitude for codes 0..255 (h is monotone in the code, so its extremes are at 0 and 255).
void prepare_fast64(NormChannel& f) {
  const i128 lim = i128(1) << 62;
  auto abs128 = [](i128 x) { return x < 0 ? -x : x; };
  if (f.b < 3 || f.b > 62 || f.rs < 33 || f.rs > 94) return;
  i128 hmax = 0;
  for (int v : {0, 255}) {
    const i128 p = i128(f.n * (v - f.z_in) - f.s1) * f.inv + (i128(1) << (f.b - 3));
    if (abs128(p) >= lim) return;
    hmax = std::max(hmax, abs128(p >> (f.b - 2)));
  }
  const i128 c = f.bk + (i128(1) << (f.rs - 1));
  const i128 gm_hi = f.gm >> 32, c_hi = c >> 32;
  if (hmax >= (i128(1) << 29) || abs128(gm_hi) >= lim || abs128(c_hi) >= lim ||
      hmax * abs128(gm_hi) + abs128(c_hi) + (i128(1) << 32) >= lim)
    return;
  f.gm_hi = int64_t(gm_hi), f.gm_lo = int64_t(f.gm - (gm_hi << 32));
  f.c_hi = int64_t(c_hi), f.c_lo = int64_t(c - (c_hi << 32));
  f.fits64 = true;
}

// t[v] = f.fast64(v) for v in [lo, hi], written out so that it vectorizes (int64 lanes).
void fill_table64(const NormChannel& f, int lo, int hi, uint8_t* __restrict t) {
  const int64_t n = f.n, s1 = f.s1, inv = f.inv, r1 = int64_t(1) << (f.b - 3), gm_hi = f.gm_hi, gm_lo = f.gm_lo;
  const int64_t c_hi = f.c_hi, c_lo = f.c_lo, z_in = f.z_in, z_out = f.z_out, min_code = f.min_code;
  const int sh1 = f.b - 2, sh2 = f.rs - 32;
  for (int64_t v = lo; v <= hi; ++v) {
    const int64_t h = ((n * (v - z_in) - s1) * inv + r1) >> sh1;
    int64_t o = z_out + ((h * gm_hi + c_hi + ((h * gm_lo + c_lo) >> 32)) >> sh2);
    o = o < 0 ? 0 : o > 255 ? 255 : o;
    t[v] = uint8_t(o < min_code ? min_code : o);
  }
}

// Per channel, its NormChannel (the group statistics of ChannelStats, gamma and beta as read).
std::vector<NormChannel> norm_channels(const Layer& L, const std::vector<uint8_t>& params, const ChannelStats& st,
                                       int64_t plane, int min_code) {
  const int C = L.in_shape.c, cg = C / L.groups;
  const int64_t n = plane * cg;
  const WeightTensor& W = L.weight;
  const GroupNormParams& p = L.norm;
  std::vector<NormChannel> out;
  for (int g = 0; g < L.groups; ++g) {
    int64_t s1 = 0, s2 = 0;
    for (int c = g * cg; c < (g + 1) * cg; ++c) s1 += st.s1[size_t(c)], s2 += st.s2[size_t(c)];
    const int64_t D = n * s2 - s1 * s1 + p.eps_term;
    const int64_t Q = floor_sqrt_u128((unsigned __int128)D << 32);
    const int b = 64 - __builtin_clzll(uint64_t(Q));
    const int64_t inv = int64_t((i128(1) << (b + 30)) / Q);
    for (int c = g * cg; c < (g + 1) * cg; ++c) {
      const i128 gm = i128((int64_t(W.decode(params[size_t(c)])) - W.zero_point[0]) * 256 + p.offset_term) *
                      p.gamma_requant.multiplier;
      const i128 bk = i128(W.decode(params[size_t(C + c)]) - W.zero_point[1]) * p.beta_multiplier;
      NormChannel f{n,        s1, inv, b, p.gamma_requant.shift + 24, L.in_quant.zero_point, L.out_quant.zero_point,
                    min_code, gm, bk};
      prepare_fast64(f);
      out.push_back(f);
    }
  }
  return out;
}

}  // namespace

void group_norm_hwc(const Layer& L, const std::vector<uint8_t>& params, const uint8_t* x, uint8_t* y, int min_code) {
  const Shape s = L.in_shape;
  const int64_t plane = int64_t(s.h) * s.w;
  const ChannelStats st = channel_stats(x, plane, s.c, L.in_quant.zero_point);
  const std::vector<NormChannel> f = norm_channels(L, params, st, plane, min_code);
  int64_t table_entries = 0;
  for (int c = 0; c < s.c; ++c) table_entries += int64_t(st.hi[size_t(c)]) - st.lo[size_t(c)] + 1;
  if (table_entries >= 16 * plane * s.c) {  // few positions for the codes in range: per position
    for (int64_t q = 0; q < plane; ++q)
      for (int c = 0; c < s.c; ++c) {
        const NormChannel& fc = f[size_t(c)];
        const int v = x[q * s.c + c];
        y[q * s.c + c] = fc.fits64 ? fc.fast64(v) : fc(v);
      }
    return;
  }
  std::vector<uint8_t> table(size_t(s.c) * 256);
  for (int c = 0; c < s.c; ++c) {
    const NormChannel& fc = f[size_t(c)];
    uint8_t* t = table.data() + size_t(c) * 256;
    if (fc.fits64)
      fill_table64(fc, st.lo[size_t(c)], st.hi[size_t(c)], t);
    else
      for (int v = st.lo[size_t(c)]; v <= st.hi[size_t(c)]; ++v) t[v] = fc(v);
  }
  for (int64_t q = 0; q < plane; ++q)
    for (int c = 0; c < s.c; ++c) y[q * s.c + c] = table[size_t(c) * 256 + x[q * s.c + c]];
}

}  // namespace lvsim
