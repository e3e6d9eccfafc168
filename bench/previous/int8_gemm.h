// u8 x s8 -> s32 matrix multiplication for the fast path: C[m][n] = sum_k A[m][k] * B[k][n], with
// 32-bit wrap-around accumulation (exact: every product and every 4-product group fits in 32 bits).
// A rows are addressed indirectly (row pointer + segment offsets), so a convolution runs as an
// implicit GEMM straight from its padded input without an im2col copy. Kernels: AVX-512 VNNI
// (vpdpbusd), AVX2 (vpmaddwd on sign-/zero-extended 16-bit pairs) and a portable scalar loop,
// chosen at run time; all give identical results. Measurements: docs/performance.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace lvsim::previous {

enum class Int8Kernel { Portable, Avx2, Avx512Vnni };

const char* int8_kernel_name(Int8Kernel k);

/// The fastest kernel the running CPU supports.
Int8Kernel best_int8_kernel();

/// True if the running CPU can execute kernel `k`.
bool int8_kernel_supported(Int8Kernel k);

/// B (K x N signed 8-bit) packed for the kernels: per block of 16 columns, [K/4][16][4] bytes,
/// with K rounded up to a multiple of 4 and N to a multiple of 16 (the padding is zero).
struct PackedInt8B {
  int64_t k = 0, n = 0;                // logical shape
  int64_t k_padded = 0, n_padded = 0;  // multiples of 4 and 16
  std::vector<int8_t> data;            // n_padded/16 blocks of k_padded*16 bytes

  /// Packs B given as value(kk, nn) for kk < k, nn < n.
  template <class F>
  static PackedInt8B pack(int64_t k, int64_t n, F value) {
    PackedInt8B p;
    p.k = k;
    p.n = n;
    p.k_padded = (k + 3) / 4 * 4;
    p.n_padded = (n + 15) / 16 * 16;
    p.data.assign(std::size_t(p.k_padded * p.n_padded), 0);
    for (int64_t nn = 0; nn < n; ++nn)
      for (int64_t kk = 0; kk < k; ++kk)
        p.data[std::size_t((nn / 16) * p.k_padded * 16 + (kk / 4) * 64 + (nn % 16) * 4 + kk % 4)] =
            int8_t(value(kk, nn));
    return p;
  }
};

/// Indirectly addressed A (unsigned 8-bit): row r, reduction index s*segment_length + j (j <
/// segment_length) is rows[r][segment_offset[s] + j]. segment_length is a multiple of 4, and
/// segments * segment_length == B's k_padded. Bytes past a row's logical K may be read; B is
/// zero there, so they must only be readable.
struct Int8GemmA {
  const uint8_t* const* rows = nullptr;
  const int64_t* segment_offset = nullptr;
  int segments = 1;
  int64_t segment_length = 0;
};

/// C[r][j] = sum_k A[r][k] * B[k][j] for r < m, j < b.n_padded (row stride ldc int32 elements).
void int8_gemm(Int8Kernel kernel, const Int8GemmA& a, int64_t m, const PackedInt8B& b, int32_t* c, int64_t ldc);

/// A register tile's share of a GEMM whose A holds zeros that may be skipped: rows [first_row,
/// first_row + rows) of A, reduced over segments [segment_begin, segment_end) and, within each of
/// them, bytes [byte_begin, byte_end) (multiples of 4).
/// Exact only when every A byte of these rows outside that range is 0 — e.g. the zero-valued
/// padding of a conv whose input zero point is 0 (workloads/inference/fast_inference.cpp plans such tiles).
struct Int8GemmTile {
  int32_t first_row = 0, rows = 0;
  int32_t segment_begin = 0, segment_end = 0;
  int32_t byte_begin = 0, byte_end = 0;
};

/// Rows the kernel computes per register tile for B of n_padded columns: tiles of a plan should
/// have at most this many rows (larger ones are split into several register tiles).
int int8_gemm_tile_rows(Int8Kernel kernel, int64_t n_padded);

/// int8_gemm over the listed tiles only (rows not in any tile are not written). With c_row given,
/// A row r's results go to C row c_row[r] instead of row r.
void int8_gemm_tiles(Int8Kernel kernel, const Int8GemmA& a, const std::vector<Int8GemmTile>& tiles,
                     const PackedInt8B& b, int32_t* c, int64_t ldc, const int32_t* c_row = nullptr);

/// Per-channel output stage of a conv/linear layer over a GEMM result tile, n channels:
///   acc = int32(c[r][j] + c0[j] + c1[j] * row_sum[r])            (mod 2^32)
///   out[r * ldo + j] = clamp(zero_point + round_shift(acc * multiplier[j], shift[j]), min_code, 255)
/// (docs/quantization.md; min_code > 0 fuses a following relu). row_sum may be null (taken as 0).
struct Int8Requant {
  const uint32_t* c0 = nullptr;
  const uint32_t* c1 = nullptr;
  const int64_t* multiplier = nullptr;
  const int64_t* shift = nullptr;
  int32_t zero_point = 0;
  int32_t min_code = 0;  // 0..255
};
void int8_requantize(Int8Kernel kernel, const int32_t* c, int64_t ldc, int64_t rows, int64_t n, const int32_t* row_sum,
                     const Int8Requant& rq, uint8_t* out, int64_t ldo);

/// Max-pool windows over a GEMM result whose rows are the pixels of an image in_w wide (row
/// y * in_w + x). Every window lies inside the image (no padding).
struct Int8MaxPool {
  int in_w = 0, out_h = 0, out_w = 0;
  int kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1;
};

/// The output stage fused with a following max-pool: for each window, the int32 acc of
/// int8_requantize maximised over the window's pixels, then requantized and clamped to
/// out[(py * out_w + px) * ldo + j]. Equal to max-pooling the codes of int8_requantize when every
/// multiplier is >= 0 (requantization and clamping are then non-decreasing in acc).
void int8_requantize_maxpool(Int8Kernel kernel, const int32_t* c, int64_t ldc, int64_t n, const int32_t* row_sum,
                             const Int8Requant& rq, const Int8MaxPool& pool, uint8_t* out, int64_t ldo);

}  // namespace lvsim::previous
