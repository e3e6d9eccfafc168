// The fast path's internal state (workloads/inference/fast_inference*.cpp, fast_conv.cpp only): the
// packed GEMM of each conv/linear layer, the weight-change corrections, the per-thread workspace,
// and the chunk sizes the kernels run at.
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "workloads/inference/fast_inference.h"
#include "workloads/inference/fast_profile.h"
#include "workloads/inference/int8_gemm.h"

namespace lvsim {

// Why the accumulator can be split: with w8 = decode(w) - off (off = 128 for unsigned storage, 0 for
// two's complement, so w8 is a signed byte) and a the unsigned input code,
//   sum_k (decode(w) - zw)(a - za) = sum_k w8*a - za*sum_k w8 + (off - zw)*(sum_k a - K*za),
// an identity over the integers and so also modulo 2^32, where the hardware's 32-bit adders live.
// The GEMM kernels compute sum w8*a; sum w8 is a per-channel constant of the given (possibly
// faulty) patterns; sum a is a per-pixel box sum. Padding positions physically hold za, as in
// docs/quantization.md, so every sum runs over all K positions of the window.
// A chunk's tiles over its rows in plan order; row[i]: the chunk row (A row pointer and C row)
// that plan row i computes.
struct ChunkPlan {
  std::vector<Int8GemmTile> tiles;
  std::vector<int32_t> row;
};

struct FastInference::GemmLayer {
  std::vector<PackedInt8B> b;              // per group: K' x (out_channels / groups), K' in (ky, kx, c) order
  std::vector<uint32_t> c0;                // per output channel: bias - za*sum(w8) - c1*K*za   (mod 2^32)
  std::vector<uint32_t> c1;                // per output channel: off - zw
  std::vector<char> group_needs_sum;       // some channel of the group has c1 != 0
  std::vector<int64_t> multiplier, shift;  // per output channel (Layer::requant)
  int segments = 1;
  int64_t segment_length = 0;
  // Offset of output pixel (oy, ox)'s window in a group's padded input: oy * step_y + ox * step_x.
  int64_t window_step_y = 0, window_step_x = 0;
  // Conv fused with a non-overlapping max-pool: the GEMM rows in window-major order (the pixels of
  // one window consecutive, pixels outside every window dropped), as conv pixel index and as
  // offset into a group's padded input.
  std::vector<int64_t> pool_row_pixel,
      pool_row_offset;  // bytes per segment, a multiple of 4 (zero weights beyond kw*Cg)
  // Conv whose padding holds zeros (input zero point 0, as after every relu): the GEMM skips the
  // reduction over the padding. Per chunk of GEMM rows (the chunks run_conv computes at once, so
  // the results stay in L1), the rows are sorted by the part of their window inside the input
  // and cut into register tiles (plan_zero_padding_chunk). One plan per chunk of the window-major
  // order (a fused non-overlapping max-pool) and of the plain pixel order (no fused pool); empty
  // when the conv has no such padding. Fused overlapping pools run the dense GEMM.
  std::vector<ChunkPlan> plan_window_major, plan_plain;
  // Linear layers: the shape their input is read in (channels-last), to place a weight index.
  int64_t read_channels = 0, read_plane = 0;
};

// A weight change as the accumulators see it: output channel o_local of group `group` gains
// delta * (a - z_in), a = the input byte at reduction position (segment, byte) of each GEMM row.
struct FastInference::Correction {
  int32_t group = 0, o_local = 0, segment = 0;
  int64_t byte = 0;
  int32_t delta = 0;
};

struct FastInference::Workspace {
  std::vector<uint8_t> input;             // [n][input size] preprocessed codes
  std::vector<std::vector<uint8_t>> act;  // per layer: [n][out size] codes
  std::vector<uint8_t> padded;            // conv input: [groups][Hp][Wp][Cg]
  std::vector<const uint8_t*> rows;       // GEMM row pointers
  std::vector<const uint8_t*> pool_rows;  // the same in max-pool window-major order
  std::vector<const uint8_t*> plan_rows;  // a chunk's rows in the order of its zero-padding plan
  std::vector<int32_t> pool_sum;          // box_sum in that order
  std::vector<int64_t> segment_offset;
  std::vector<int32_t> c;                                  // GEMM result [rows][n_padded]
  std::vector<int32_t> plane_sum, box_sum;                 // sum of a over channels per position / per window
  std::vector<int32_t> row_sum;                            // window-row sums of plane_sum
  std::vector<std::vector<std::vector<Correction>>> corr;  // [batch slot][layer]; empty: no changes
  // [batch slot][layer]: a groupnorm's parameter changes (index into its patterns, pattern as read)
  std::vector<std::vector<std::vector<std::pair<int64_t, uint8_t>>>> norm_changes;
  std::vector<uint8_t> norm_params;  // one image's groupnorm parameters with its changes applied
  std::vector<WeightChange> changes;
  bool count_zeros = false;
  LayerZeroCounts zeros;  // per layer: zero-operand MACs and zero input codes of the images run so far
  // [batch slot][layer]: weights whose operand became zero (+1) or stopped being zero (-1) with
  // that image's changes; they correct the zero-operand count of the engine's own patterns.
  std::vector<std::vector<std::vector<std::pair<int64_t, int>>>> zero_flips;
  FastProfile* profile = nullptr;  // FastInference::profile only: time per layer and stage
};

namespace fast_detail {

inline constexpr int64_t kSlackBytes = 64;  // kernels may read up to 3 bytes past a row's last segment
// A conv's GEMM runs over chunks of output rows whose int32 results take about this much (L1).
inline constexpr int64_t kChunkBytes = 24 * 1024;
// A conv fused with a non-overlapping max-pool runs its GEMM over chunks of about this many rows.
inline constexpr int64_t kPoolChunkRows = 48;
inline int64_t pool_chunk_windows(int window) {
  return std::max<int64_t>(1, kPoolChunkRows / window);
}

inline const Shape& source_shape(const Network& net, int src) {
  return src < 0 ? net.input_shape : net.layers[size_t(src)].out_shape;
}

// Output rows per chunk of a conv's plain (unpooled) GEMM: about kChunkBytes of int32 results.
inline int plain_chunk_rows(const Layer& L, int64_t ldc) {
  return std::max(1, int(kChunkBytes / (int64_t(L.out_shape.w) * ldc * 4)));
}

}  // namespace fast_detail
}  // namespace lvsim
