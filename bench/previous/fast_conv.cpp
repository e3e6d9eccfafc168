// The fast path's convolutions: per image and group, the padded channels-last input, the window
// sums the accumulator split needs, then the GEMM and output stage over chunks of rows (plain,
// fused with an overlapping max-pool, or window-major for a non-overlapping one).
#include <algorithm>
#include <cstring>

#include "bench/previous/fast_inference.h"
#include "bench/previous/fast_inference_state.h"

namespace lvsim::previous {

using namespace fast_detail;

namespace {

// Padded copy of the (channels-last) input per group: every window row is one contiguous segment.
// Padding positions hold the input zero point.
void pad_conv_input(const Layer& L, const Shape& in, const uint8_t* x, std::vector<uint8_t>& padded, int64_t plane) {
  const int groups = L.groups, cg = in.c / groups, wp = in.w + 2 * L.pad_w;
  std::memset(padded.data(), uint8_t(L.in_quant.zero_point), padded.size());
  for (int g = 0; g < groups; ++g) {
    uint8_t* p = padded.data() + g * plane;
    for (int iy = 0; iy < in.h; ++iy) {
      uint8_t* row = p + (int64_t(iy + L.pad_h) * wp + L.pad_w) * cg;
      const uint8_t* xr = x + int64_t(iy) * in.w * in.c + g * cg;
      if (groups == 1) {
        std::memcpy(row, xr, size_t(in.w) * size_t(in.c));
      } else {
        for (int ix = 0; ix < in.w; ++ix) std::memcpy(row + int64_t(ix) * cg, xr + int64_t(ix) * in.c, size_t(cg));
      }
    }
  }
}

// Per output pixel, the sum of the input codes of its window over a group's padded plane p
// (hp x wp positions of cg channels): separable, window rows first, then columns of those.
void window_sums(const Layer& L, int hp, int wp, int cg, const uint8_t* p, std::vector<int32_t>& plane_sum,
                 std::vector<int32_t>& row_sum, std::vector<int32_t>& box_sum) {
  const Shape& out = L.out_shape;
  for (int64_t i = 0; i < int64_t(hp) * wp; ++i) {
    int32_t s = 0;
    for (int c = 0; c < cg; ++c) s += p[i * cg + c];
    plane_sum[size_t(i)] = s;
  }
  row_sum.resize(size_t(hp) * out.w);
  for (int yp = 0; yp < hp; ++yp)
    for (int ox = 0; ox < out.w; ++ox) {
      int32_t s = 0;
      const int32_t* ps = plane_sum.data() + int64_t(yp) * wp + int64_t(ox) * L.stride_w;
      for (int kx = 0; kx < L.kernel_w; ++kx) s += ps[kx];
      row_sum[size_t(yp * out.w + ox)] = s;
    }
  for (int oy = 0; oy < out.h; ++oy) {
    int32_t* bs = box_sum.data() + int64_t(oy) * out.w;
    std::fill(bs, bs + out.w, 0);
    for (int ky = 0; ky < L.kernel_h; ++ky) {
      const int32_t* rs = row_sum.data() + int64_t(oy * L.stride_h + ky) * out.w;
      for (int ox = 0; ox < out.w; ++ox) bs[ox] += rs[ox];
    }
  }
}

}  // namespace

void FastInference::run_conv(int layer, int64_t n, Workspace& ws, uint8_t* dst, int32_t min_code, int pool) const {
  const Layer& L = net_.layers[size_t(layer)];
  const GemmLayer& G = gemm_[size_t(layer)];
  const int src = L.inputs[0];
  const Shape in = source_shape(net_, src), out = L.out_shape;
  const std::vector<uint8_t>& src_buf = src < 0 ? ws.input : ws.act[size_t(src)];
  const int groups = L.groups, cg = in.c / groups, ng = L.out_channels / groups;
  const int hp = in.h + 2 * L.pad_h, wp = in.w + 2 * L.pad_w;
  const int64_t plane = int64_t(hp) * wp * cg;
  const int64_t m = int64_t(out.h) * out.w;
  const int64_t ldc = G.b[0].n_padded;
  ws.padded.resize(size_t(plane * groups + kSlackBytes));
  ws.rows.resize(size_t(m));
  ws.c.resize(size_t(m * ldc));
  ws.box_sum.resize(size_t(m));
  ws.plane_sum.resize(size_t(hp) * wp);
  ws.segment_offset.resize(size_t(G.segments));
  for (int s = 0; s < G.segments; ++s) ws.segment_offset[size_t(s)] = int64_t(s) * wp * cg;
  const Layer* P = pool >= 0 ? &net_.layers[size_t(pool)] : nullptr;
  const bool window_major = P && !G.pool_row_offset.empty();
  const int chunk_rows = plain_chunk_rows(L, ldc);
  ConvGroup c;
  c.layer = layer, c.gemm = &G, c.ldc = ldc, c.ng = ng, c.out_c = out.c;
  c.a = Int8GemmA{ws.rows.data(), ws.segment_offset.data(), G.segments, G.segment_length};
  for (int64_t img = 0; img < n; ++img) {
    const uint8_t* x = src_buf.data() + img * in.size();
    uint8_t* y = dst + img * (P ? P->out_shape.size() : out.size());
    pad_conv_input(L, in, x, ws.padded, plane);
    for (int g = 0; g < groups; ++g) {
      const uint8_t* p = ws.padded.data() + g * plane;
      if (!window_major)
        for (int oy = 0; oy < out.h; ++oy)
          for (int ox = 0; ox < out.w; ++ox)
            ws.rows[size_t(oy * out.w + ox)] = p + oy * G.window_step_y + ox * G.window_step_x;
      const bool need_sum = G.group_needs_sum[size_t(g)];
      if (need_sum) window_sums(L, hp, wp, cg, p, ws.plane_sum, ws.row_sum, ws.box_sum);
      c.img = img, c.g = g, c.plane = p, c.sums = need_sum ? ws.box_sum.data() : nullptr, c.y = y + g * ng;
      c.rq = Int8Requant{G.c0.data() + g * ng,    G.c1.data() + g * ng,   G.multiplier.data() + g * ng,
                         G.shift.data() + g * ng, L.out_quant.zero_point, min_code};
      if (window_major)
        conv_window_major(c, *P, ws);
      else if (P)
        conv_pooled(c, *P, out.w, chunk_rows, ws);
      else
        conv_plain(c, out, chunk_rows, ws);
    }
  }
}

// Non-overlapping max-pool windows: GEMM rows in window-major order (the pixels of one window
// consecutive; pixels outside every window dropped), in chunks of whole windows small enough that
// the int32 results are still in L1 for the output stage.
void FastInference::conv_window_major(const ConvGroup& c, const Layer& P, Workspace& ws) const {
  const GemmLayer& G = *c.gemm;
  const Shape& po = P.out_shape;
  const int window = P.kernel_h * P.kernel_w;
  const int64_t pooled = int64_t(po.h) * po.w;
  const int64_t nrows = pooled * window;
  ws.pool_rows.resize(size_t(nrows));
  for (int64_t i = 0; i < nrows; ++i) ws.pool_rows[size_t(i)] = c.plane + G.pool_row_offset[size_t(i)];
  if (c.sums) {
    ws.pool_sum.resize(size_t(nrows));
    for (int64_t i = 0; i < nrows; ++i) ws.pool_sum[size_t(i)] = c.sums[G.pool_row_pixel[size_t(i)]];
  }
  const int64_t chunk = pool_chunk_windows(window);
  Int8GemmA ac = c.a;
  for (int64_t q = 0; q < pooled; q += chunk) {
    const int64_t nq = std::min(chunk, pooled - q);
    ac.rows = ws.pool_rows.data() + q * window;
    if (G.plan_window_major.empty())
      int8_gemm(kernel_, ac, nq * window, G.b[size_t(c.g)], ws.c.data(), c.ldc);
    else
      gemm_plan(G.plan_window_major[size_t(q / chunk)], ac, G.b[size_t(c.g)], ws, c.ldc);
    apply_corrections(c.layer, c.img, c.g, ac.rows, nq * window, ac.segment_offset, ws.c.data(), c.ldc, ws);
    const Int8MaxPool mp{window, 1, int(nq), 1, window, 1, window};
    int8_requantize_maxpool(kernel_, ws.c.data(), c.ldc, c.ng, c.sums ? ws.pool_sum.data() + q * window : nullptr, c.rq,
                            mp, c.y + q * c.out_c, c.out_c);
  }
}

// An overlapping max-pool fused into the output stage: chunks of whole pooled rows.
void FastInference::conv_pooled(const ConvGroup& c, const Layer& P, int out_w, int chunk_rows, Workspace& ws) const {
  const GemmLayer& G = *c.gemm;
  const Shape& po = P.out_shape;
  const int pooled_rows = std::max(1, (chunk_rows - P.kernel_h) / P.stride_h + 1);
  Int8GemmA ac = c.a;
  for (int py = 0; py < po.h; py += pooled_rows) {
    const int rows_p = std::min(pooled_rows, po.h - py);
    const int64_t first = int64_t(py) * P.stride_h * out_w;  // first GEMM row (conv pixel)
    const int64_t rows = (int64_t(rows_p - 1) * P.stride_h + P.kernel_h) * out_w;
    ac.rows = ws.rows.data() + first;
    int8_gemm(kernel_, ac, rows, G.b[size_t(c.g)], ws.c.data(), c.ldc);
    apply_corrections(c.layer, c.img, c.g, ac.rows, rows, ac.segment_offset, ws.c.data(), c.ldc, ws);
    const Int8MaxPool mp{out_w, rows_p, po.w, P.kernel_h, P.kernel_w, P.stride_h, P.stride_w};
    int8_requantize_maxpool(kernel_, ws.c.data(), c.ldc, c.ng, c.sums ? c.sums + first : nullptr, c.rq, mp,
                            c.y + int64_t(py) * po.w * c.out_c, c.out_c);
  }
}

// No fused pool: GEMM and output stage over chunks of output rows, so the int32 results are still
// in L1 when the output stage reads them.
void FastInference::conv_plain(const ConvGroup& c, const Shape& out, int chunk_rows, Workspace& ws) const {
  const GemmLayer& G = *c.gemm;
  Int8GemmA ac = c.a;
  for (int oy = 0; oy < out.h; oy += chunk_rows) {
    const int64_t first = int64_t(oy) * out.w, rows = int64_t(std::min(chunk_rows, out.h - oy)) * out.w;
    ac.rows = ws.rows.data() + first;
    if (G.plan_plain.empty())
      int8_gemm(kernel_, ac, rows, G.b[size_t(c.g)], ws.c.data(), c.ldc);
    else
      gemm_plan(G.plan_plain[size_t(oy / chunk_rows)], ac, G.b[size_t(c.g)], ws, c.ldc);
    apply_corrections(c.layer, c.img, c.g, ac.rows, rows, ac.segment_offset, ws.c.data(), c.ldc, ws);
    int8_requantize(kernel_, ws.c.data(), c.ldc, rows, c.ng, c.sums ? c.sums + first : nullptr, c.rq,
                    c.y + first * c.out_c, c.out_c);
  }
}

void FastInference::gemm_plan(const ChunkPlan& plan, const Int8GemmA& chunk, const PackedInt8B& b, Workspace& ws,
                              int64_t ldc) const {
  // A rows in plan order; each result row goes back to its chunk row.
  ws.plan_rows.resize(plan.row.size());
  for (size_t i = 0; i < plan.row.size(); ++i) ws.plan_rows[i] = chunk.rows[plan.row[i]];
  Int8GemmA a = chunk;
  a.rows = ws.plan_rows.data();
  int8_gemm_tiles(kernel_, a, plan.tiles, b, ws.c.data(), ldc, plan.row.data());
}

}  // namespace lvsim::previous
