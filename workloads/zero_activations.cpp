#include "workloads/zero_activations.h"

namespace lvsim {

namespace {

// Along one axis of the padded input: how many (output position, kernel tap) pairs read padded
// coordinate p, i.e. #{(o, k) : o * stride + k = p, o < out, k < kernel}.
std::vector<int64_t> tap_multiplicity(int padded, int out, int kernel, int stride) {
  std::vector<int64_t> m(size_t(padded), 0);
  for (int o = 0; o < out; ++o)
    for (int k = 0; k < kernel; ++k) ++m[size_t(o * stride + k)];
  return m;
}

}  // namespace

// Every im2col entry is one (output pixel, channel, tap) reading one padded input position; the
// number of entries reading position (y, x) factorizes into my(y) * mx(x). So the zero entries are
// sum over positions of (zero channels there) * my(y) * mx(x), padding counting every channel.
int64_t zero_activation_macs(const Layer& L, const uint8_t* input, CodeLayout layout) {
  if (!L.has_weights()) return 0;
  const Shape in = L.in_shape, out = L.out_shape;
  const int hp = in.h + 2 * L.pad_h, wp = in.w + 2 * L.pad_w;
  const std::vector<int64_t> my = tap_multiplicity(hp, out.h, L.kernel_h, L.stride_h);
  const std::vector<int64_t> mx = tap_multiplicity(wp, out.w, L.kernel_w, L.stride_w);
  const uint8_t za = uint8_t(L.in_quant.zero_point);
  const int64_t plane = int64_t(in.h) * in.w;
  int64_t zeros = 0;
  for (int y = 0; y < hp; ++y) {
    if (my[size_t(y)] == 0) continue;
    const int iy = y - L.pad_h;
    for (int x = 0; x < wp; ++x) {
      const int64_t weight = my[size_t(y)] * mx[size_t(x)];
      if (weight == 0) continue;
      const int ix = x - L.pad_w;
      int64_t zero_channels = in.c;  // padding
      if (iy >= 0 && iy < in.h && ix >= 0 && ix < in.w) {
        zero_channels = 0;
        const int64_t pos = int64_t(iy) * in.w + ix;
        if (layout == CodeLayout::ChannelsLast) {
          const uint8_t* v = input + pos * in.c;
          for (int c = 0; c < in.c; ++c) zero_channels += v[c] == za;
        } else {
          for (int c = 0; c < in.c; ++c) zero_channels += input[c * plane + pos] == za;
        }
      }
      zeros += zero_channels * weight;
    }
  }
  return zeros * L.gemm_n();
}

}  // namespace lvsim
