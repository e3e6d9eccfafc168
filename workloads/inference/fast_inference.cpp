#include "workloads/inference/fast_inference.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

#include "common/parallel.h"
#include "workloads/inference/fast_inference_state.h"
#include "workloads/inference/fast_layers.h"
#include "workloads/inference/zero_operands.h"
#include "workloads/network/quantization.h"

namespace lvsim {

using namespace fast_detail;

namespace {

// The part of an output pixel's window that lies inside a conv's input: kernel rows (segments)
// [s0, s1) and bytes [j0, j1) of each, rounded outwards to whole 4-byte steps (the extra bytes are
// padding, which holds zeros, or beyond the kernel row, whose weights are zero, so computing them
// changes nothing). All zero when the window lies entirely in the padding.
struct WindowRange {
  int32_t s0, s1, j0, j1;
  auto operator<=>(const WindowRange&) const = default;
};

// Per output pixel; empty when no window reaches into the padding.
std::vector<WindowRange> window_ranges(const Layer& L, int64_t segment_length) {
  const Shape &in = L.in_shape, &out = L.out_shape;
  const int cg = in.c / L.groups;
  auto inside = [](int first, int kernel, int size, int& k0, int& k1) {  // taps first + k in [0, size)
    k0 = std::clamp(-first, 0, kernel);
    k1 = std::clamp(size - first, k0, kernel);
  };
  std::vector<WindowRange> range;
  bool skips = false;
  for (int oy = 0; oy < out.h; ++oy)
    for (int ox = 0; ox < out.w; ++ox) {
      int s0, s1, kx0, kx1;
      inside(oy * L.stride_h - L.pad_h, L.kernel_h, in.h, s0, s1);
      inside(ox * L.stride_w - L.pad_w, L.kernel_w, in.w, kx0, kx1);
      WindowRange r{s0, s1, kx0 * cg / 4 * 4,
                    int32_t(std::min<int64_t>(segment_length, (int64_t(kx1) * cg + 3) / 4 * 4))};
      if (r.s1 <= r.s0 || kx1 <= kx0) r = {0, 0, 0, 0};
      skips = skips || r.s1 - r.s0 < L.kernel_h || r.j0 > 0 || r.j1 < segment_length;
      range.push_back(r);
    }
  if (!skips) range.clear();
  return range;
}

// Tiles for one chunk of GEMM rows (pixel[r] for chunk row r): the rows sorted by their window
// range, then cut into consecutive tiles of at most `tile_rows` rows, each computing the union of
// its rows' ranges. The cut minimises the total number of 4-byte steps over the tiles: a register
// tile's time was measured to depend on its steps and hardly on its row count (a 1-row tile is
// nearly as slow as a 6-row one), so exact ranges in many small tiles (the shipped CNN's conv2:
// 83.6 % of the dense MACs in 49 tiles) ran slower than the dense GEMM, while full tiles with
// slightly wider unions run faster (docs/performance.md).
ChunkPlan plan_zero_padding_chunk(const std::vector<WindowRange>& range, const int64_t* pixel, int64_t rows,
                                  int tile_rows) {
  ChunkPlan plan;
  for (int64_t r = 0; r < rows; ++r) plan.row.push_back(int32_t(r));
  auto range_of = [&](int64_t i) -> const WindowRange& { return range[size_t(pixel[plan.row[size_t(i)]])]; };
  std::stable_sort(plan.row.begin(), plan.row.end(),
                   [&](int32_t x, int32_t y) { return range[size_t(pixel[x])] < range[size_t(pixel[y])]; });
  // best[i]: fewest steps for the first i sorted rows; cut[i]: where its last tile starts.
  std::vector<double> best(size_t(rows) + 1, 0.0);
  std::vector<int64_t> cut(size_t(rows) + 1, 0);
  std::vector<WindowRange> tile_range(size_t(rows) + 1);
  for (int64_t i = 1; i <= rows; ++i) {
    best[size_t(i)] = -1;
    WindowRange u = range_of(i - 1);
    for (int64_t r = 1; r <= tile_rows && r <= i; ++r) {
      const WindowRange& p = range_of(i - r);
      if (p.s1 > p.s0) {
        if (u.s1 <= u.s0) u = p;
        u = {std::min(u.s0, p.s0), std::max(u.s1, p.s1), std::min(u.j0, p.j0), std::max(u.j1, p.j1)};
      }
      const double steps = double(u.s1 - u.s0) * double(u.j1 - u.j0) / 4.0;
      const double t = best[size_t(i - r)] + steps + 1e-3;  // + a tie-break towards fewer tiles
      if (best[size_t(i)] < 0 || t < best[size_t(i)]) {
        best[size_t(i)] = t;
        cut[size_t(i)] = i - r;
        tile_range[size_t(i)] = u;
      }
    }
  }
  for (int64_t i = rows; i > 0; i = cut[size_t(i)]) {
    const WindowRange& u = tile_range[size_t(i)];
    plan.tiles.push_back({int32_t(cut[size_t(i)]), int32_t(i - cut[size_t(i)]), u.s0, u.s1, u.j0, u.j1});
  }
  std::reverse(plan.tiles.begin(), plan.tiles.end());
  return plan;
}

// Steps x rows of a plan's tiles: the GEMM rows times the reduction bytes each computes.
int64_t planned_row_bytes(const std::vector<ChunkPlan>& plans) {
  int64_t n = 0;
  for (const ChunkPlan& p : plans)
    for (const Int8GemmTile& t : p.tiles)
      n += int64_t(t.rows) * std::max(0, t.segment_end - t.segment_begin) * std::max(0, t.byte_end - t.byte_begin);
  return n;
}

}  // namespace

FastInference::FastInference(const Network& net, const LayerWeights& weights, Int8Kernel kernel)
    : net_(net),
      kernel_(kernel),
      gemm_(net.layers.size()),
      fused_relu_(net.layers.size(), -1),
      fused_pool_(net.layers.size(), -1),
      linear_src_(net.layers.size(), -1),
      skip_when_fused_(net.layers.size(), 0),
      patterns_(weights.begin(), weights.begin() + std::min(weights.size(), net.layers.size())) {
  if (!int8_kernel_supported(kernel))
    throw std::invalid_argument(std::string("FastInference: kernel ") + int8_kernel_name(kernel) + " not supported");
  if (weights.size() < net.layers.size()) throw std::invalid_argument("FastInference: one pattern vector per layer");
  const Shape& is = net.input_shape;
  // Per conv whose zero padding is skipped: its pixels' window ranges (plain and pooled plans).
  std::vector<std::vector<WindowRange>> window_range(net.layers.size());
  input_lut_.resize(size_t(is.c) * 256);
  for (int c = 0; c < is.c; ++c)
    for (int px = 0; px < 256; ++px)
      input_lut_[size_t(c * 256 + px)] = preprocess_pixel(net.preprocess, c, uint8_t(px), net.input_quant.zero_point);
  for (size_t l = 0; l < net.layers.size(); ++l) {
    const Layer& L = net.layers[l];
    if (L.type == LayerType::GroupNorm && weights[l].size() != L.weight.stored.size())
      throw std::invalid_argument("FastInference: parameter pattern count of layer " + L.name);
    if (!L.has_weights()) continue;
    const WeightTensor& W = L.weight;
    const std::vector<uint8_t>& pat = weights[l];
    if (pat.size() != W.stored.size() || int64_t(pat.size()) != W.per_out * L.out_channels)
      throw std::invalid_argument("FastInference: weight pattern count of layer " + L.name);
    GemmLayer& G = gemm_[l];
    const bool linear = L.type == LayerType::Linear;
    const int groups = linear ? 1 : L.groups;
    const int cg = linear ? 0 : L.in_shape.c / groups;
    const int ng = L.out_channels / groups;
    const int64_t k = W.per_out;
    const int32_t off = W.storage == WeightStorage::Unsigned ? 128 : 0;
    const int32_t za = L.in_quant.zero_point;
    const bool zero_padding = za == 0 && (L.pad_h > 0 || L.pad_w > 0);  // skipped: plan below
    const int wp = L.in_shape.w + 2 * L.pad_w;
    G.segments = linear ? 1 : L.kernel_h;
    G.segment_length = ((linear ? k : int64_t(L.kernel_w) * cg) + 3) / 4 * 4;
    G.window_step_y = int64_t(L.stride_h) * wp * cg;
    G.window_step_x = int64_t(L.stride_w) * cg;
    std::array<int32_t, 256> w8_of;  // pattern -> w8
    for (int v = 0; v < 256; ++v) w8_of[size_t(v)] = W.decode(uint8_t(v)) - off;
    auto w8 = [&](int o, int64_t idx) { return w8_of[pat[size_t(int64_t(o) * k + idx)]]; };
    // A linear layer reads its input channels-last, through a flatten if there is one; its weights
    // are packed in that order (the golden reduction index is the C x H x W one), so neither the
    // flatten nor a transposition is needed.
    int read = L.inputs[0];
    if (linear && read >= 0 && net.layers[size_t(read)].type == LayerType::Flatten)
      read = net.layers[size_t(read)].inputs[0];
    linear_src_[l] = read;
    const Shape rs = source_shape(net, read);
    const int64_t rs_plane = int64_t(rs.h) * rs.w;
    G.read_channels = rs.c;
    G.read_plane = rs_plane;
    // Packed reduction index -> index of the weight within its output channel (-1: zero padding).
    const int64_t kp = G.segments * G.segment_length;
    std::vector<int64_t> weight_index(size_t(kp), -1);
    for (int64_t kk = 0; kk < kp; ++kk) {
      const int64_t s = kk / G.segment_length, j = kk % G.segment_length;
      if (linear) {
        if (j < k) weight_index[size_t(kk)] = (j % rs.c) * rs_plane + j / rs.c;
      } else if (j < int64_t(L.kernel_w) * cg) {
        const int64_t kx = j / cg, c = j % cg;  // weight layout [o][c][ky][kx]
        weight_index[size_t(kk)] = (c * L.kernel_h + s) * L.kernel_w + kx;
      }
    }
    for (int g = 0; g < groups; ++g) {
      G.b.push_back(PackedInt8B::pack(kp, ng, [&](int64_t kk, int64_t nn) -> int32_t {
        const int64_t i = weight_index[size_t(kk)];
        return i < 0 ? 0 : w8(int(g * ng + nn), i);
      }));
    }
    G.c0.resize(size_t(L.out_channels));
    G.c1.resize(size_t(L.out_channels));
    G.group_needs_sum.assign(size_t(groups), 0);
    for (int o = 0; o < L.out_channels; ++o) {
      uint32_t sum_w8 = 0;
      for (int64_t i = 0; i < k; ++i) sum_w8 += uint32_t(w8(o, i));
      const uint32_t c1 = uint32_t(off - W.zero_point[size_t(o)]);
      const uint32_t bias = uint32_t(L.bias.empty() ? 0 : L.bias[size_t(o)]);
      G.c1[size_t(o)] = c1;
      G.c0[size_t(o)] = bias - uint32_t(za) * sum_w8 - c1 * uint32_t(k) * uint32_t(za);
      if (c1 != 0) G.group_needs_sum[size_t(o / ng)] = 1;
      G.multiplier.push_back(L.requant[size_t(o)].multiplier);
      G.shift.push_back(L.requant[size_t(o)].shift);
    }
    if (!linear && zero_padding) {
      const std::vector<WindowRange>& range = window_range[l] = window_ranges(L, G.segment_length);
      if (!range.empty()) {
        const int tile_rows = int8_gemm_tile_rows(kernel, G.b[0].n_padded);
        const int chunk_rows = plain_chunk_rows(L, G.b[0].n_padded);
        const Shape& out = L.out_shape;
        std::vector<int64_t> pixel;
        for (int oy = 0; oy < out.h; oy += chunk_rows) {
          const int64_t first = int64_t(oy) * out.w, rows = int64_t(std::min(chunk_rows, out.h - oy)) * out.w;
          pixel.resize(size_t(rows));
          for (int64_t r = 0; r < rows; ++r) pixel[size_t(r)] = first + r;
          G.plan_plain.push_back(plan_zero_padding_chunk(range, pixel.data(), rows, tile_rows));
        }
      }
    }
  }
  // A relu is fused into its producer (a conv/linear layer, or a groupnorm: its table) when it is the producer's only
  // consumer and the producer is not the network output.
  std::vector<int> consumers(net.layers.size(), 0);
  for (const Layer& L : net.layers)
    for (int src : L.inputs)
      if (src >= 0) ++consumers[size_t(src)];
  for (size_t l = 0; l < net.layers.size(); ++l) {
    const Layer& L = net.layers[l];
    if (L.type != LayerType::Relu || L.inputs.size() != 1 || L.inputs[0] < 0) continue;
    const size_t src = size_t(L.inputs[0]);
    const bool fusable = net.layers[src].has_weights() || net.layers[src].type == LayerType::GroupNorm;
    if (fusable && consumers[src] == 1 && int(src) != net.output) {
      fused_relu_[src] = int(l);
      skip_when_fused_[l] = 1;
    }
  }
  // A max-pool is fused into a conv's output stage (max of the accumulators, then requantization)
  // when it is the only consumer of the conv (or of its fused relu), has no padding, and every
  // requantization multiplier is >= 0: requantization and relu are then non-decreasing, so they
  // commute with the max.
  for (size_t l = 0; l < net.layers.size(); ++l) {
    const Layer& L = net.layers[l];
    if (L.type != LayerType::Conv2d) continue;
    const int end = fused_relu_[l] >= 0 ? fused_relu_[l] : int(l);
    if (end == net.output || consumers[size_t(end)] != 1) continue;
    bool monotone = true;
    for (const Requant& rq : L.requant) monotone = monotone && rq.multiplier >= 0;
    for (size_t p = l + 1; p < net.layers.size(); ++p) {
      const Layer& P = net.layers[p];
      if (P.inputs.size() != 1 || P.inputs[0] != end) continue;
      const Shape &pi = P.in_shape, &po = P.out_shape;
      const bool inside =
          int64_t(po.h - 1) * P.stride_h + P.kernel_h <= pi.h && int64_t(po.w - 1) * P.stride_w + P.kernel_w <= pi.w;
      if (P.type == LayerType::MaxPool2d && P.pad_h == 0 && P.pad_w == 0 && inside && monotone && po.c == pi.c) {
        fused_pool_[l] = int(p);
        skip_when_fused_[p] = 1;
        if (P.kernel_h != P.stride_h || P.kernel_w != P.stride_w) continue;
        GemmLayer& G = gemm_[l];
        for (int py = 0; py < po.h; ++py)
          for (int px = 0; px < po.w; ++px)
            for (int ky = 0; ky < P.kernel_h; ++ky)
              for (int kx = 0; kx < P.kernel_w; ++kx) {
                const int oy = py * P.stride_h + ky, ox = px * P.stride_w + kx;
                G.pool_row_pixel.push_back(int64_t(oy) * pi.w + ox);
                G.pool_row_offset.push_back(oy * G.window_step_y + ox * G.window_step_x);
              }
        if (!G.plan_plain.empty()) {  // the layer skips zero padding: plans for the window-major chunks too
          const std::vector<WindowRange>& range = window_range[l];
          const int window = P.kernel_h * P.kernel_w;
          const int64_t pooled = int64_t(po.h) * po.w, chunk = pool_chunk_windows(window);
          for (int64_t q = 0; q < pooled; q += chunk)
            G.plan_window_major.push_back(plan_zero_padding_chunk(range, G.pool_row_pixel.data() + q * window,
                                                                  std::min(chunk, pooled - q) * window,
                                                                  int8_gemm_tile_rows(kernel, G.b[0].n_padded)));
        }
      }
    }
  }
  // A flatten read only by linear layers (which read its input directly) is not computed.
  for (size_t l = 0; l < net.layers.size(); ++l) {
    if (net.layers[l].type != LayerType::Flatten || int(l) == net.output) continue;
    bool only_linear = true;
    for (const Layer& L : net.layers)
      for (int src : L.inputs)
        if (src == int(l)) only_linear = only_linear && L.type == LayerType::Linear;
    if (only_linear) skip_when_fused_[l] = 1;
  }
  zero_counters_.resize(net.layers.size());
  for (size_t l = 0; l < net.layers.size(); ++l) {
    const Layer& L = net.layers[l];
    if (!L.has_weights()) continue;
    const Shape read = L.type == LayerType::Linear ? source_shape(net, linear_src_[l]) : L.in_shape;
    zero_counters_[l].emplace(L, patterns_[l].data(), read);
  }
}

std::vector<std::array<double, kFastStages>> FastInference::profile(const uint8_t* pixels, int64_t count,
                                                                    bool count_zeros) const {
  Workspace ws;
  ws.count_zeros = count_zeros;
  FastProfile prof;
  ws.profile = &prof;
  const auto wall0 = std::chrono::steady_clock::now();
  const uint64_t tick0 = FastProfile::now();
  for (int64_t first = 0; first < count; first += kBatchImages) {
    prof.last = FastProfile::now();
    run_batch(pixels + first * net_.input_shape.size(), std::min<int64_t>(kBatchImages, count - first), ws, true);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  const double per_tick = seconds / double(std::max<uint64_t>(1, FastProfile::now() - tick0));
  std::vector<std::array<double, kFastStages>> out(net_.layers.size(), std::array<double, kFastStages>{});
  for (size_t l = 0; l < std::min(out.size(), prof.ticks.size()); ++l)
    for (int s = 0; s < kFastStages; ++s) out[l][size_t(s)] = double(prof.ticks[l][size_t(s)]) * per_tick;
  return out;
}

int64_t FastInference::gemm_macs_per_image() const {
  int64_t macs = 0;
  for (size_t l = 0; l < net_.layers.size(); ++l) {
    const Layer& L = net_.layers[l];
    if (!L.has_weights()) continue;
    const GemmLayer& G = gemm_[l];
    // Sum over the GEMM rows of the reduction bytes each computes, on the path predict() runs.
    int64_t row_k = L.gemm_m() * G.segments * G.segment_length;
    const int pool = fused_pool_[l];
    if (pool >= 0 && !G.pool_row_offset.empty() && !G.plan_window_major.empty()) {
      row_k = planned_row_bytes(G.plan_window_major);
    } else if (pool >= 0 && !G.pool_row_offset.empty()) {
      row_k = int64_t(G.pool_row_offset.size()) * G.segments * G.segment_length;  // pixels in windows
    } else if (pool < 0 && !G.plan_plain.empty()) {
      row_k = planned_row_bytes(G.plan_plain);
    }
    macs += row_k * L.out_channels;  // every group's GEMM: rows x K' x out_channels / groups
  }
  return macs;
}

FastInference::~FastInference() = default;

FastInference::FastInference(FastInference&&) noexcept = default;
FastInference& FastInference::operator=(FastInference&&) noexcept = default;

void FastInference::prepare_corrections(const std::vector<WeightChange>& changes, Workspace& ws, int64_t slot) const {
  if (ws.corr.size() <= size_t(slot)) ws.corr.resize(size_t(slot) + 1);
  std::vector<std::vector<Correction>>& corr = ws.corr[size_t(slot)];
  corr.assign(net_.layers.size(), {});
  if (ws.count_zeros) {
    if (ws.zero_flips.size() <= size_t(slot)) ws.zero_flips.resize(size_t(slot) + 1);
    ws.zero_flips[size_t(slot)].assign(net_.layers.size(), {});
  }
  if (ws.norm_changes.size() <= size_t(slot)) ws.norm_changes.resize(size_t(slot) + 1);
  ws.norm_changes[size_t(slot)].assign(net_.layers.size(), {});
  for (const WeightChange& ch : changes) {
    const Layer& L = net_.layers.at(size_t(ch.layer));
    const GemmLayer& G = gemm_[size_t(ch.layer)];
    const WeightTensor& W = L.weight;
    if (L.type == LayerType::GroupNorm && ch.index >= 0 && ch.index < int64_t(W.stored.size())) {
      ws.norm_changes[size_t(slot)][size_t(ch.layer)].emplace_back(ch.index, ch.pattern);
      continue;
    }
    if (!L.has_weights() || ch.index < 0 || ch.index >= int64_t(W.stored.size()))
      throw std::invalid_argument("FastInference: weight change outside layer " + L.name);
    const int o = int(ch.index / W.per_out);
    const int64_t idx = ch.index % W.per_out;
    Correction c;
    c.delta = W.decode(ch.pattern) - W.decode(patterns_[size_t(ch.layer)][size_t(ch.index)]);
    if (L.type == LayerType::Linear) {  // reduction index: channels-last position of the input
      c.o_local = o;
      c.byte = (idx % G.read_plane) * G.read_channels + idx / G.read_plane;
    } else {  // weight layout [o][c][ky][kx]; reduction index (ky, kx, c) within the group
      const int ng = L.out_channels / L.groups, cg = L.in_shape.c / L.groups;
      const int64_t taps = int64_t(L.kernel_h) * L.kernel_w;
      c.group = o / ng;
      c.o_local = o % ng;
      c.segment = int32_t((idx % taps) / L.kernel_w);
      c.byte = (idx % L.kernel_w) * cg + idx / taps;
    }
    if (c.delta != 0) corr[size_t(ch.layer)].push_back(c);
    if (ws.count_zeros) {
      const ZeroOperandCounter& z = *zero_counters_[size_t(ch.layer)];
      const bool was = z.zero_weight(ch.index, patterns_[size_t(ch.layer)][size_t(ch.index)]);
      const bool now = z.zero_weight(ch.index, ch.pattern);
      if (was != now) ws.zero_flips[size_t(slot)][size_t(ch.layer)].emplace_back(ch.index, now ? 1 : -1);
    }
  }
}

void FastInference::apply_corrections(int layer, int64_t slot, int g, const uint8_t* const* rows, int64_t nrows,
                                      const int64_t* segment_offset, int32_t* c, int64_t ldc,
                                      const Workspace& ws) const {
  if (ws.corr.size() <= size_t(slot) || ws.corr[size_t(slot)].empty()) return;
  const uint32_t za = uint32_t(net_.layers[size_t(layer)].in_quant.zero_point);
  for (const Correction& k : ws.corr[size_t(slot)][size_t(layer)]) {
    if (k.group != g) continue;
    const int64_t at = segment_offset[k.segment] + k.byte;
    int32_t* col = c + k.o_local;
    // Modulo 2^32, as the hardware's adders (and the GEMM's split sums) compute.
    for (int64_t r = 0; r < nrows; ++r)
      col[r * ldc] = int32_t(uint32_t(col[r * ldc]) + uint32_t(k.delta) * (uint32_t(rows[r][at]) - za));
  }
}

void FastInference::run_linear(int layer, int64_t n, Workspace& ws, uint8_t* dst, int32_t min_code) const {
  const Layer& L = net_.layers[size_t(layer)];
  const GemmLayer& G = gemm_[size_t(layer)];
  const int src = linear_src_[size_t(layer)];
  const int64_t in_size = source_shape(net_, src).size(), out_size = L.out_shape.size();
  const std::vector<uint8_t>& src_buf = src < 0 ? ws.input : ws.act[size_t(src)];
  const int64_t k = L.weight.per_out;
  const int64_t ldc = G.b[0].n_padded;
  ws.rows.resize(size_t(n));
  ws.c.resize(size_t(n * ldc));
  ws.box_sum.assign(size_t(n), 0);
  ws.segment_offset.assign(1, 0);
  const uint8_t* base = src_buf.data();
  for (int64_t i = 0; i < n; ++i) {
    ws.rows[size_t(i)] = base + i * in_size;
    if (G.group_needs_sum[0]) {
      int32_t s = 0;
      for (int64_t j = 0; j < k; ++j) s += ws.rows[size_t(i)][j];
      ws.box_sum[size_t(i)] = s;
    }
  }
  const Int8GemmA a{ws.rows.data(), ws.segment_offset.data(), 1, G.segment_length};
  fast_lap(ws.profile, layer, FastStage::Pack);
  int8_gemm(kernel_, a, n, G.b[0], ws.c.data(), ldc);
  fast_lap(ws.profile, layer, FastStage::Gemm);
  for (int64_t i = 0; i < n; ++i)  // each image's own weight changes on its own GEMM row
    apply_corrections(layer, i, 0, ws.rows.data() + i, 1, ws.segment_offset.data(), ws.c.data() + i * ldc, ldc, ws);
  const Int8Requant rq{G.c0.data(), G.c1.data(), G.multiplier.data(), G.shift.data(), L.out_quant.zero_point, min_code};
  int8_requantize(kernel_, ws.c.data(), ldc, n, L.out_channels, G.group_needs_sum[0] ? ws.box_sum.data() : nullptr, rq,
                  dst, out_size);
  fast_lap(ws.profile, layer, FastStage::Output);
}

void FastInference::count_zero_operands(int layer, int64_t n, Workspace& ws) const {
  const Layer& L = net_.layers[size_t(layer)];
  // A linear layer reads its channels-last source directly (the flatten is skipped); its counter
  // was built over that source.
  const int src = L.type == LayerType::Linear ? linear_src_[size_t(layer)] : L.inputs[0];
  const std::vector<uint8_t>& buf = src < 0 ? ws.input : ws.act[size_t(src)];
  const int64_t in_size = source_shape(net_, src).size();
  const ZeroOperandCounter& z = *zero_counters_[size_t(layer)];
  if (ws.zeros.operand_macs.size() != net_.layers.size()) ws.zeros.reset(net_.layers.size());
  int64_t& sum = ws.zeros.operand_macs[size_t(layer)];
  int64_t& zero_codes = ws.zeros.activation_codes[size_t(layer)];
  const uint8_t za = uint8_t(L.in_quant.zero_point);
  for (int64_t i = 0; i < n; ++i) {
    const uint8_t* codes = buf.data() + i * in_size;
    zero_codes += count_zero_codes(codes, in_size, za);
    sum += z.count(codes, CodeLayout::ChannelsLast);
    if (size_t(i) < ws.zero_flips.size() && !ws.zero_flips[size_t(i)].empty())
      for (const auto& [index, sign] : ws.zero_flips[size_t(i)][size_t(layer)])
        sum += sign * z.nonzero_activations_of(index, codes, CodeLayout::ChannelsLast);
  }
}

void FastInference::run_batch(const uint8_t* pixels, int64_t n, Workspace& ws, bool fuse, const Resume* resume,
                              int64_t first) const {
  ws.act.resize(net_.layers.size());
  size_t from = 0;
  if (resume && resume->start) {
    load_boundary(*resume->start, first, n, ws);
    from = size_t(resume->start->boundary);
  } else {
    const Shape& is = net_.input_shape;
    const int64_t in_size = is.size(), plane = int64_t(is.h) * is.w;
    ws.input.resize(size_t(n * in_size + kSlackBytes));
    for (int64_t i = 0; i < n; ++i)
      for (int c = 0; c < is.c; ++c) {
        const uint8_t* lut = input_lut_.data() + c * 256;
        const uint8_t* px = pixels + i * in_size + c * plane;
        uint8_t* x = ws.input.data() + i * in_size + c;
        for (int64_t j = 0; j < plane; ++j) x[j * is.c] = lut[px[j]];
      }
  }
  fast_lap(ws.profile, 0, FastStage::Input);
  for (size_t l = from; l < net_.layers.size(); ++l) {
    if (resume)
      for (FastActivations* a : resume->capture)
        if (size_t(a->boundary) == l) store_boundary(*a, first, n, ws);
    if (!fuse || !skip_when_fused_[l]) run_layer(int(l), n, ws, fuse);  // else computed by its producer, or never read
  }
}

void FastInference::run_layer(int layer, int64_t n, Workspace& ws, bool fuse) const {
  const size_t l = size_t(layer);
  const Layer& L = net_.layers[l];
  const int64_t out_size = L.out_shape.size();
  ws.act[l].resize(size_t(n * out_size + kSlackBytes));
  auto source = [&](int j) -> const uint8_t* {
    const int s = L.inputs[size_t(j)];
    return s < 0 ? ws.input.data() : ws.act[size_t(s)].data();
  };
  const Shape in = source_shape(net_, L.inputs[0]);
  uint8_t* dst = ws.act[l].data();
  const int relu = fuse ? fused_relu_[l] : -1;
  const int pool = fuse ? fused_pool_[l] : -1;
  uint8_t* gemm_dst = dst;
  if (pool >= 0) {
    std::vector<uint8_t>& p = ws.act[size_t(pool)];
    p.resize(size_t(n * net_.layers[size_t(pool)].out_shape.size() + kSlackBytes));
    gemm_dst = p.data();
  } else if (relu >= 0) {
    ws.act[size_t(relu)].resize(size_t(n * out_size + kSlackBytes));
    gemm_dst = ws.act[size_t(relu)].data();
  }
  // relu(requantize(acc)) = clamp(requantize(acc), z, 255) with z the relu's zero point.
  const int32_t min_code = relu >= 0 ? net_.layers[size_t(relu)].in_quant.zero_point : 0;
  if (ws.count_zeros && L.has_weights()) count_zero_operands(layer, n, ws);
  fast_lap(ws.profile, layer, FastStage::Count);
  switch (L.type) {
    case LayerType::Conv2d:
      run_conv(layer, n, ws, gemm_dst, min_code, pool);
      break;
    case LayerType::Linear:
      run_linear(layer, n, ws, gemm_dst, min_code);
      break;
    case LayerType::Relu: {
      const uint8_t z = uint8_t(L.in_quant.zero_point);
      const uint8_t* x = source(0);
      for (int64_t i = 0; i < n * out_size; ++i) dst[i] = std::max(x[i], z);
      break;
    }
    case LayerType::Flatten:
      for (int64_t i = 0; i < n; ++i) to_chw(source(0) + i * in.size(), in, dst + i * out_size);
      break;
    case LayerType::MaxPool2d:
    case LayerType::AvgPool2d:
      pool_hwc(L, in, n, source(0), dst);
      break;
    case LayerType::GroupNorm:
      for (int64_t i = 0; i < n; ++i) {
        const std::vector<uint8_t>* params = &patterns_[l];
        if (size_t(i) < ws.norm_changes.size() && !ws.norm_changes[size_t(i)][l].empty()) {
          ws.norm_params = patterns_[l];
          for (const auto& [index, pattern] : ws.norm_changes[size_t(i)][l]) ws.norm_params[size_t(index)] = pattern;
          params = &ws.norm_params;
        }
        group_norm_hwc(L, *params, source(0) + i * in.size(), gemm_dst + i * out_size, min_code);
      }
      break;
    case LayerType::Add:
      for (int64_t i = 0; i < n * out_size; ++i) {
        int64_t s = 0;
        for (size_t j = 0; j < L.inputs.size(); ++j)
          s += (int64_t(source(int(j))[i]) - net_.quant_of(L.inputs[j]).zero_point) * L.add_multiplier[j];
        dst[i] = saturate_u8(L.out_quant.zero_point + round_shift(s, L.add_shift));
      }
      break;
  }
  if (!L.has_weights()) fast_lap(ws.profile, layer, FastStage::Other);
}

std::vector<std::vector<uint8_t>> FastInference::run_all_layers(const uint8_t* pixels,
                                                                const std::vector<WeightChange>& changes) const {
  Workspace ws;
  if (!changes.empty()) prepare_corrections(changes, ws, 0);
  run_batch(pixels, 1, ws, false);
  std::vector<std::vector<uint8_t>> outs(net_.layers.size());
  for (size_t l = 0; l < outs.size(); ++l) {
    const Shape& os = net_.layers[l].out_shape;
    outs[l].resize(size_t(os.size()));
    to_chw(ws.act[l].data(), os, outs[l].data());
  }
  return outs;
}

std::vector<uint8_t> FastInference::scores(const uint8_t* pixels, int64_t count, int threads,
                                           const ImageWeightChanges& changes, LayerZeroCounts* zero_counts) const {
  return scores_resumed(pixels, count, threads, changes, zero_counts, Resume{});
}

std::vector<uint8_t> FastInference::scores_resumed(const uint8_t* pixels, int64_t count, int threads,
                                                   const ImageWeightChanges& changes, LayerZeroCounts* zero_counts,
                                                   const Resume& resume) const {
  const int64_t image_size = net_.input_shape.size();
  const Shape& os = net_.layers[size_t(net_.output)].out_shape;
  const int64_t out_size = os.size();
  std::vector<uint8_t> out(size_t(std::max<int64_t>(count, 0) * out_size));
  if (count <= 0) return out;
  check_resume(resume, count, bool(changes), zero_counts != nullptr);
  for (FastActivations* a : resume.capture) prepare_capture(*a, count);
  const int64_t batches = (count + kBatchImages - 1) / kBatchImages;
  threads = int(std::clamp<int64_t>(threads, 1, batches));
  // Images are independent and each lands in its own slot, so neither the batch a thread picks
  // nor the batch composition can change a result.
  std::atomic<int64_t> next{0};
  // Zero counts per thread, added after the join: integer sums, so the total does not depend on
  // which thread ran which batch.
  std::vector<LayerZeroCounts> zeros(static_cast<size_t>(threads));
  auto work = [&](int t) {
    Workspace ws;
    ws.count_zeros = zero_counts != nullptr;
    for (int64_t b = next++; b < batches; b = next++) {
      const int64_t first = b * kBatchImages, n = std::min<int64_t>(kBatchImages, count - first);
      ws.corr.clear();
      ws.zero_flips.clear();
      ws.norm_changes.clear();
      if (changes)
        for (int64_t i = 0; i < n; ++i) {
          changes(first + i, ws.changes);
          prepare_corrections(ws.changes, ws, i);
        }
      run_batch(pixels ? pixels + first * image_size : nullptr, n, ws, true, &resume, first);
      const uint8_t* codes = ws.act[size_t(net_.output)].data();
      for (int64_t i = 0; i < n; ++i) to_chw(codes + i * out_size, os, out.data() + (first + i) * out_size);
    }
    zeros[size_t(t)] = std::move(ws.zeros);
  };
  run_on_threads(threads, work);
  if (zero_counts) {
    LayerZeroCounts total;
    total.reset(net_.layers.size());
    for (const LayerZeroCounts& z : zeros) total.add(z);
    finish_zero_counts(resume, total);
    zero_counts->operand_macs.resize(net_.layers.size(), 0);
    zero_counts->activation_codes.resize(net_.layers.size(), 0);
    zero_counts->add(total);
  }
  return out;
}

std::vector<int> FastInference::predict(const uint8_t* pixels, int64_t count, int threads) const {
  return predict(pixels, count, threads, nullptr);
}

std::vector<int> FastInference::predict(const uint8_t* pixels, int64_t count, int threads,
                                        const ImageWeightChanges& changes) const {
  return predict(pixels, count, threads, changes, nullptr);
}

std::vector<int> FastInference::predict(const uint8_t* pixels, int64_t count, int threads,
                                        const ImageWeightChanges& changes, LayerZeroCounts* zeros) const {
  const std::vector<uint8_t> codes = scores(pixels, count, threads, changes, zeros);
  const int64_t out_size = net_.layers[size_t(net_.output)].out_shape.size();
  std::vector<int> pred(size_t(std::max<int64_t>(count, 0)));
  for (int64_t i = 0; i < count; ++i) {
    const uint8_t* s = codes.data() + i * out_size;
    pred[size_t(i)] = int(std::max_element(s, s + out_size) - s);  // the first on ties, as golden
  }
  return pred;
}

}  // namespace lvsim
