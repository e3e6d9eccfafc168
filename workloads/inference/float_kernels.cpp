#include "workloads/inference/float_kernels.h"

// GCC 12 reports _mm512_undefined_ps() inside Eigen's AVX-512 transposes (gemm_pack_rhs) as "may be
// used uninitialized": a false positive (the value is undefined on purpose, every lane is written).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <Eigen/Core>
#include <algorithm>
#include <vector>

namespace lvsim {

namespace {

using RowMajorMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// A 1x1 conv with stride 1 and no padding reads its input planes as they are: [cin/groups][pixels]
// is already the GEMM's right-hand matrix.
bool needs_im2col(const Layer& l) {
  return l.kernel_h != 1 || l.kernel_w != 1 || l.stride_h != 1 || l.stride_w != 1 || l.pad_h != 0 || l.pad_w != 0;
}

// col[(ci * kh + ky) * kw + kx][oy * os.w + ox] = the input value under that tap of that output
// pixel (0 at padding), for the cin_g channels of one group starting at src.
void im2col(const Layer& l, const Shape& is, const Shape& os, int cin_g, const float* src, float* col) {
  const int64_t plane = int64_t(os.h) * os.w, in_plane = int64_t(is.h) * is.w;
  for (int ci = 0; ci < cin_g; ++ci)
    for (int ky = 0; ky < l.kernel_h; ++ky)
      for (int kx = 0; kx < l.kernel_w; ++kx) {
        float* row = col + ((int64_t(ci) * l.kernel_h + ky) * l.kernel_w + kx) * plane;
        // Output columns whose input column ix = ox * stride_w + off lies in [0, is.w).
        const int off = kx - l.pad_w;
        const int ox_end = is.w - off <= 0 ? 0 : std::min(os.w, (is.w - off - 1) / l.stride_w + 1);
        const int ox_begin = std::min(ox_end, off >= 0 ? 0 : (-off + l.stride_w - 1) / l.stride_w);
        for (int oy = 0; oy < os.h; ++oy) {
          float* r = row + int64_t(oy) * os.w;
          const int iy = oy * l.stride_h - l.pad_h + ky;
          if (iy < 0 || iy >= is.h) {
            std::fill(r, r + os.w, 0.0f);
            continue;
          }
          const float* s = src + int64_t(ci) * in_plane + int64_t(iy) * is.w;
          std::fill(r, r + ox_begin, 0.0f);
          for (int ox = ox_begin; ox < ox_end; ++ox) r[ox] = s[int64_t(ox) * l.stride_w + off];
          std::fill(r + ox_end, r + os.w, 0.0f);
        }
      }
}

// Per group: out_g [cout_g x pixels] = w_g [cout_g x K] * col [K x pixels] + bias_g.
void conv_gemm(const Layer& l, const Shape& is, const Shape& os, const float* in, const float* w, const float* bias,
               float* out) {
  const int cin_g = is.c / l.groups, cout_g = l.out_channels / l.groups;
  const int64_t plane = int64_t(os.h) * os.w, in_plane = int64_t(is.h) * is.w;
  const int64_t k = int64_t(cin_g) * l.kernel_h * l.kernel_w;
  const bool gather = needs_im2col(l);
  std::vector<float> col(gather ? size_t(k * plane) : 0);
  for (int g = 0; g < l.groups; ++g) {
    const float* src = in + int64_t(g) * cin_g * in_plane;
    if (gather) im2col(l, is, os, cin_g, src, col.data());
    const Eigen::Map<const RowMajorMatrix> a(w + int64_t(g) * cout_g * k, cout_g, k);
    const Eigen::Map<const RowMajorMatrix> b(gather ? col.data() : src, k, plane);
    Eigen::Map<RowMajorMatrix> c(out + int64_t(g) * cout_g * plane, cout_g, plane);
    c.noalias() = a * b;
    c.colwise() += Eigen::Map<const Eigen::VectorXf>(bias + int64_t(g) * cout_g, cout_g);
  }
}

// The previous kernel: for each tap (input channel, ky, kx) gather the input value under every
// output position once (0 at padding), then add it, weighted, to every output channel of the group.
void conv_loops(const Layer& l, const Shape& is, const Shape& os, const float* in, const float* w, const float* bias,
                float* out) {
  const int cin_g = is.c / l.groups, cout_g = l.out_channels / l.groups;
  const int64_t plane = int64_t(os.h) * os.w;
  for (int o = 0; o < l.out_channels; ++o) std::fill(out + o * plane, out + (o + 1) * plane, bias[o]);
  std::vector<float> col(static_cast<size_t>(plane));
  for (int g = 0; g < l.groups; ++g)
    for (int ci = 0; ci < cin_g; ++ci) {
      const float* src = in + int64_t(g * cin_g + ci) * is.h * is.w;
      for (int ky = 0; ky < l.kernel_h; ++ky)
        for (int kx = 0; kx < l.kernel_w; ++kx) {
          for (int oy = 0; oy < os.h; ++oy) {
            const int iy = oy * l.stride_h - l.pad_h + ky;
            float* crow = col.data() + int64_t(oy) * os.w;
            for (int ox = 0; ox < os.w; ++ox) {
              const int ix = ox * l.stride_w - l.pad_w + kx;
              crow[ox] = (iy < 0 || iy >= is.h || ix < 0 || ix >= is.w) ? 0.0f : src[int64_t(iy) * is.w + ix];
            }
          }
          for (int o = g * cout_g; o < (g + 1) * cout_g; ++o) {
            const float wv = w[((int64_t(o) * cin_g + ci) * l.kernel_h + ky) * l.kernel_w + kx];
            float* dst = out + o * plane;
            for (int64_t p = 0; p < plane; ++p) dst[p] += wv * col[static_cast<size_t>(p)];
          }
        }
    }
}

// The previous linear kernel: eight interleaved partial sums in a fixed order.
void linear_loops(int64_t n, int64_t k, const float* in, const float* w, const float* bias, float* out) {
  for (int64_t o = 0; o < n; ++o) {
    const float* wr = w + o * k;
    float part[8] = {};
    int64_t i = 0;
    for (; i + 8 <= k; i += 8)
      for (int j = 0; j < 8; ++j) part[j] += wr[i + j] * in[i + j];
    float acc = 0.0f;
    for (; i < k; ++i) acc += wr[i] * in[i];
    for (int j = 0; j < 8; ++j) acc += part[j];
    out[o] = bias[o] + acc;
  }
}

}  // namespace

void float_conv2d(FloatKernels kernels, const Layer& l, const Shape& is, const Shape& os, const float* in,
                  const float* w, const float* bias, float* out) {
  if (kernels == FloatKernels::Gemm)
    conv_gemm(l, is, os, in, w, bias, out);
  else
    conv_loops(l, is, os, in, w, bias, out);
}

void float_linear(FloatKernels kernels, int64_t n, int64_t k, const float* in, const float* w, const float* bias,
                  float* out) {
  if (kernels == FloatKernels::Loops) return linear_loops(n, k, in, w, bias, out);
  Eigen::Map<Eigen::VectorXf> y(out, n);
  y.noalias() = Eigen::Map<const RowMajorMatrix>(w, n, k) * Eigen::Map<const Eigen::VectorXf>(in, k);
  y += Eigen::Map<const Eigen::VectorXf>(bias, n);
}

}  // namespace lvsim
