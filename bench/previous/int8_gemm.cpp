#include "bench/previous/int8_gemm.h"

#include <immintrin.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "workloads/network/quantization.h"

namespace lvsim::previous {

namespace {

// The part of the reduction a register tile computes: segments [s0, s1), bytes [j0, j1) of each.
struct KRange {
  int s0, s1;
  int64_t j0, j1;
};

KRange full_range(const Int8GemmA& a) {
  return {0, a.segments, 0, a.segment_length};
}

// Where the GEMM writes A row r's results: C row r, or C row c_row[r] when given.
struct COut {
  int32_t* c;
  int64_t ldc;
  const int32_t* c_row;
  int32_t* operator()(int64_t r) const { return c + (c_row ? c_row[r] : r) * ldc; }
};

// One register tile: A rows [r0, r0 + MR) times `blocks` consecutive 16-column blocks of B
// starting at `b` (block stride b_stride bytes; C columns from col), over the reduction range kr.
using TileFn = void (*)(const Int8GemmA& a, int64_t r0, const KRange& kr, const int8_t* b, int64_t b_stride,
                        const COut& out, int64_t col);

inline int32_t load_u32(const uint8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// ---- portable ----
void gemm_portable(const Int8GemmA& a, const KRange& kr, int64_t r0, int64_t m, const PackedInt8B& b, const COut& out) {
  const int64_t nblocks = b.n_padded / 16;
  for (int64_t r = r0; r < r0 + m; ++r) {
    for (int64_t nb = 0; nb < nblocks; ++nb) {
      uint32_t acc[16] = {};
      for (int s = kr.s0; s < kr.s1; ++s) {
        const uint8_t* ap = a.rows[r] + a.segment_offset[s];
        const int8_t* bp = b.data.data() + nb * b.k_padded * 16 + (s * a.segment_length + kr.j0) * 16;
        for (int64_t j = kr.j0; j < kr.j1; j += 4, bp += 64)
          for (int l = 0; l < 16; ++l)
            for (int q = 0; q < 4; ++q) acc[l] += uint32_t(int32_t(ap[j + q]) * bp[l * 4 + q]);
      }
      for (int l = 0; l < 16; ++l) out(r)[nb * 16 + l] = int32_t(acc[l]);
    }
  }
}

// ---- AVX-512 VNNI ----
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vnni")

// One 4-byte step of the reduction for a register tile: NV B vectors, MR broadcasts of A.
template <int MR, int NV>
__attribute__((always_inline)) inline void vnni_step(__m512i (&acc)[MR][NV], const uint8_t* const (&ap)[MR], int64_t j,
                                                     const int8_t* bp, int64_t b_stride) {
  __m512i bv[NV];
  for (int v = 0; v < NV; ++v) bv[v] = _mm512_loadu_si512(bp + v * b_stride);
  for (int i = 0; i < MR; ++i) {
    const __m512i av = _mm512_set1_epi32(load_u32(ap[i] + j));
    for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_dpbusd_epi32(acc[i][v], av, bv[v]);
  }
}

template <int MR, int NV>
void tile_vnni(const Int8GemmA& a, int64_t r0, const KRange& kr, const int8_t* b, int64_t b_stride, const COut& out,
               int64_t col) {
  const uint8_t* const* rows = a.rows + r0;
  __m512i acc[MR][NV];
  for (int i = 0; i < MR; ++i)
    for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_setzero_si512();
  for (int s = kr.s0; s < kr.s1; ++s) {
    const uint8_t* ap[MR];
    for (int i = 0; i < MR; ++i) ap[i] = rows[i] + a.segment_offset[s];
    const int8_t* bp = b + (s * a.segment_length + kr.j0) * 16;
    for (int64_t j = kr.j0; j < kr.j1; j += 4, bp += 64) {
      // j opaque to the optimiser: the MR row addresses stay base + index (one shared increment)
      // instead of MR separately incremented pointers, fewer uops per step besides vpdpbusd.
      __asm__("" : "+r"(j));
      vnni_step<MR, NV>(acc, ap, j, bp, b_stride);
    }
  }
  for (int i = 0; i < MR; ++i)
    for (int v = 0; v < NV; ++v) _mm512_storeu_si512(out(r0 + i) + col + v * 16, acc[i][v]);
}

template <int NV, int... I>
constexpr std::array<TileFn, sizeof...(I)> vnni_table(std::integer_sequence<int, I...>) {
  return {&tile_vnni<I + 1, NV>...};
}

// Rows per register tile for NV 16-column blocks: MR*NV accumulators + NV B vectors + 1 broadcast <= 32.
constexpr int kVnniMr[5] = {0, 12, 12, 8, 6};
// 16-column blocks per register tile: 4 (64 columns, 6 rows) measured fastest (docs/performance.md).
constexpr int kVnniBlocks = 4;

void gemm_vnni(const Int8GemmA& a, const KRange& kr, int64_t r0, int64_t m, const PackedInt8B& b, const COut& out) {
  static constexpr auto t1 = vnni_table<1>(std::make_integer_sequence<int, kVnniMr[1]>());
  static constexpr auto t2 = vnni_table<2>(std::make_integer_sequence<int, kVnniMr[2]>());
  static constexpr auto t3 = vnni_table<3>(std::make_integer_sequence<int, kVnniMr[3]>());
  static constexpr auto t4 = vnni_table<4>(std::make_integer_sequence<int, kVnniMr[4]>());
  const TileFn* tables[5] = {nullptr, t1.data(), t2.data(), t3.data(), t4.data()};
  const int64_t nblocks = b.n_padded / 16;
  const int64_t b_stride = b.k_padded * 16;
  for (int64_t nb = 0; nb < nblocks; nb += kVnniBlocks) {
    const int nv = int(std::min<int64_t>(kVnniBlocks, nblocks - nb));
    const int mr = kVnniMr[nv];
    const int8_t* bp = b.data.data() + nb * b_stride;
    for (int64_t r = r0; r < r0 + m; r += mr) {
      const int rows = int(std::min<int64_t>(mr, r0 + m - r));
      tables[nv][rows - 1](a, r, kr, bp, b_stride, out, nb * 16);
    }
  }
}

// GCC 12 reports its own intrinsics' internal _mm512_undefined_* placeholders as "maybe
// uninitialized" here (a false positive); silenced for these functions only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
// Per-channel constants of the output stage for 16 channels from j (lanes beyond n are zero).
struct RequantVec {
  __mmask16 mask;
  // 64-bit lanes: [0] the even channels j, j+2, .., [1] the odd ones.
  __m512i c0, c1, mul[2], sh[2], rnd[2], lo, hi, zo;

  RequantVec(const Int8Requant& rq, int64_t j, int64_t n) {
    const int lanes = int(std::min<int64_t>(16, n - j));
    const __m512i one = _mm512_set1_epi64(1);
    mask = __mmask16((1u << lanes) - 1);
    c0 = _mm512_maskz_loadu_epi32(mask, rq.c0 + j);
    c1 = _mm512_maskz_loadu_epi32(mask, rq.c1 + j);
    const __m512i even = _mm512_setr_epi64(0, 2, 4, 6, 8, 10, 12, 14),
                  odd = _mm512_setr_epi64(1, 3, 5, 7, 9, 11, 13, 15);
    const __mmask8 m_lo = __mmask8(mask), m_hi = __mmask8(mask >> 8);
    const __m512i mul_lo = _mm512_maskz_loadu_epi64(m_lo, rq.multiplier + j);
    const __m512i mul_hi = _mm512_maskz_loadu_epi64(m_hi, rq.multiplier + j + 8);
    const __m512i sh_lo = _mm512_mask_loadu_epi64(one, m_lo, rq.shift + j);
    const __m512i sh_hi = _mm512_mask_loadu_epi64(one, m_hi, rq.shift + j + 8);
    mul[0] = _mm512_permutex2var_epi64(mul_lo, even, mul_hi);
    mul[1] = _mm512_permutex2var_epi64(mul_lo, odd, mul_hi);
    sh[0] = _mm512_permutex2var_epi64(sh_lo, even, sh_hi);
    sh[1] = _mm512_permutex2var_epi64(sh_lo, odd, sh_hi);
    for (int h = 0; h < 2; ++h) rnd[h] = _mm512_sllv_epi64(one, _mm512_sub_epi64(sh[h], one));
    lo = _mm512_set1_epi64(rq.min_code);
    hi = _mm512_set1_epi64(255);
    zo = _mm512_set1_epi64(rq.zero_point);
  }

  // acc = c + c0 + c1 * row_sum (mod 2^32) of one pixel.
  __m512i acc(const int32_t* c, const int32_t* row_sum, int64_t r) const {
    __m512i a = _mm512_add_epi32(_mm512_maskz_loadu_epi32(mask, c), c0);
    if (row_sum) a = _mm512_add_epi32(a, _mm512_mullo_epi32(c1, _mm512_set1_epi32(row_sum[r])));
    return a;
  }

  // The 16 output codes of acc: vpmuldq multiplies the sign-extended low (even) int32 of each
  // 64-bit lane; the odd ones are shifted down first.
  __m128i codes(__m512i acc) const {
    __m512i v[2] = {acc, _mm512_srli_epi64(acc, 32)};
    for (int h = 0; h < 2; ++h) {
      v[h] = _mm512_srav_epi64(_mm512_add_epi64(_mm512_mul_epi32(v[h], mul[h]), rnd[h]), sh[h]);
      v[h] = _mm512_min_epi64(_mm512_max_epi64(_mm512_add_epi64(v[h], zo), lo), hi);
    }
    return _mm512_cvtepi32_epi8(_mm512_or_si512(v[0], _mm512_slli_epi64(v[1], 32)));
  }
};

void requantize_avx512(const int32_t* c, int64_t ldc, int64_t rows, int64_t n, const int32_t* row_sum,
                       const Int8Requant& rq, uint8_t* out, int64_t ldo) {
  for (int64_t j = 0; j < n; j += 16) {
    const RequantVec q(rq, j, n);
    for (int64_t r = 0; r < rows; ++r)
      _mm_mask_storeu_epi8(out + r * ldo + j, q.mask, q.codes(q.acc(c + r * ldc + j, row_sum, r)));
  }
}

void requantize_maxpool_avx512(const int32_t* c, int64_t ldc, int64_t n, const int32_t* row_sum, const Int8Requant& rq,
                               const Int8MaxPool& p, uint8_t* out, int64_t ldo) {
  if (p.out_h == 1 && p.kernel_h == 1 && p.stride_w == p.kernel_w) {
    // Windows of consecutive rows (window-major GEMM rows).
    const int window = p.kernel_w;
    for (int64_t j = 0; j < n; j += 16) {
      const RequantVec q(rq, j, n);
      const int32_t* cj = c + j;
      for (int px = 0; px < p.out_w; ++px) {
        const int64_t r0 = int64_t(px) * window;
        __m512i m = q.acc(cj + r0 * ldc, row_sum, r0);
        for (int k = 1; k < window; ++k) m = _mm512_max_epi32(m, q.acc(cj + (r0 + k) * ldc, row_sum, r0 + k));
        _mm_mask_storeu_epi8(out + int64_t(px) * ldo + j, q.mask, q.codes(m));
      }
    }
    return;
  }
  for (int64_t j = 0; j < n; j += 16) {
    const RequantVec q(rq, j, n);
    for (int py = 0; py < p.out_h; ++py)
      for (int px = 0; px < p.out_w; ++px) {
        __m512i m = _mm512_set1_epi32(INT32_MIN);
        for (int ky = 0; ky < p.kernel_h; ++ky)
          for (int kx = 0; kx < p.kernel_w; ++kx) {
            const int64_t r = int64_t(py * p.stride_h + ky) * p.in_w + px * p.stride_w + kx;
            m = _mm512_max_epi32(m, q.acc(c + r * ldc + j, row_sum, r));
          }
        _mm_mask_storeu_epi8(out + (int64_t(py) * p.out_w + px) * ldo + j, q.mask, q.codes(m));
      }
  }
}
#pragma GCC diagnostic pop

#pragma GCC pop_options

// ---- AVX2: exact 16-bit pair products (vpmaddwd), no saturating vpmaddubsw ----
#pragma GCC push_options
#pragma GCC target("avx2")

template <int MR>
void tile_avx2(const Int8GemmA& a, int64_t r0, const KRange& kr, const int8_t* b, int64_t, const COut& out,
               int64_t col) {
  const uint8_t* const* rows = a.rows + r0;
  __m256i acc[MR][2];
  for (int i = 0; i < MR; ++i) acc[i][0] = acc[i][1] = _mm256_setzero_si256();
  for (int s = kr.s0; s < kr.s1; ++s) {
    const uint8_t* ap[MR];
    for (int i = 0; i < MR; ++i) ap[i] = rows[i] + a.segment_offset[s];
    const int8_t* bp = b + (s * a.segment_length + kr.j0) * 16;
    for (int64_t j = kr.j0; j < kr.j1; j += 4, bp += 64) {
      __m256i even[2], odd[2];
      for (int h = 0; h < 2; ++h) {
        const __m256i w = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bp + 32 * h));
        even[h] = _mm256_srai_epi16(_mm256_slli_epi16(w, 8), 8);  // bytes 0, 2 of each lane, sign-extended
        odd[h] = _mm256_srai_epi16(w, 8);                         // bytes 1, 3
      }
      for (int i = 0; i < MR; ++i) {
        const uint32_t x = uint32_t(load_u32(ap[i] + j));
        const __m256i ae = _mm256_set1_epi32(int32_t((x & 0xFF) | (x & 0xFF0000)));
        const __m256i ao = _mm256_set1_epi32(int32_t(((x >> 8) & 0xFF) | ((x >> 8) & 0xFF0000)));
        for (int h = 0; h < 2; ++h)
          acc[i][h] = _mm256_add_epi32(acc[i][h],
                                       _mm256_add_epi32(_mm256_madd_epi16(ae, even[h]), _mm256_madd_epi16(ao, odd[h])));
      }
    }
  }
  for (int i = 0; i < MR; ++i)
    for (int h = 0; h < 2; ++h) _mm256_storeu_si256(reinterpret_cast<__m256i*>(out(r0 + i) + col + 8 * h), acc[i][h]);
}

void gemm_avx2(const Int8GemmA& a, const KRange& kr, int64_t r0, int64_t m, const PackedInt8B& b, const COut& out) {
  static constexpr TileFn table[4] = {&tile_avx2<1>, &tile_avx2<2>, &tile_avx2<3>, &tile_avx2<4>};
  const int64_t nblocks = b.n_padded / 16;
  const int64_t b_stride = b.k_padded * 16;
  for (int64_t nb = 0; nb < nblocks; ++nb)
    for (int64_t r = r0; r < r0 + m; r += 4) {
      const int rows = int(std::min<int64_t>(4, r0 + m - r));
      table[rows - 1](a, r, kr, b.data.data() + nb * b_stride, b_stride, out, nb * 16);
    }
}

#pragma GCC pop_options

}  // namespace

const char* int8_kernel_name(Int8Kernel k) {
  switch (k) {
    case Int8Kernel::Portable:
      return "portable";
    case Int8Kernel::Avx2:
      return "avx2";
    case Int8Kernel::Avx512Vnni:
      return "avx512-vnni";
  }
  return "?";
}

bool int8_kernel_supported(Int8Kernel k) {
  switch (k) {
    case Int8Kernel::Portable:
      return true;
    case Int8Kernel::Avx2:
      return __builtin_cpu_supports("avx2");
    case Int8Kernel::Avx512Vnni:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vnni");
  }
  return false;
}

Int8Kernel best_int8_kernel() {
  if (int8_kernel_supported(Int8Kernel::Avx512Vnni)) return Int8Kernel::Avx512Vnni;
  if (int8_kernel_supported(Int8Kernel::Avx2)) return Int8Kernel::Avx2;
  return Int8Kernel::Portable;
}

void int8_requantize(Int8Kernel kernel, const int32_t* c, int64_t ldc, int64_t rows, int64_t n, const int32_t* row_sum,
                     const Int8Requant& rq, uint8_t* out, int64_t ldo) {
  if (kernel == Int8Kernel::Avx512Vnni && int8_kernel_supported(kernel)) {
    requantize_avx512(c, ldc, rows, n, row_sum, rq, out, ldo);
    return;
  }
  for (int64_t r = 0; r < rows; ++r) {
    const uint32_t s = row_sum ? uint32_t(row_sum[r]) : 0;
    for (int64_t j = 0; j < n; ++j) {
      const int32_t acc = int32_t(uint32_t(c[r * ldc + j]) + rq.c0[j] + rq.c1[j] * s);
      const uint8_t q = saturate_u8(rq.zero_point + round_shift(int64_t(acc) * rq.multiplier[j], int(rq.shift[j])));
      out[r * ldo + j] = std::max(q, uint8_t(rq.min_code));
    }
  }
}

void int8_requantize_maxpool(Int8Kernel kernel, const int32_t* c, int64_t ldc, int64_t n, const int32_t* row_sum,
                             const Int8Requant& rq, const Int8MaxPool& pool, uint8_t* out, int64_t ldo) {
  if (kernel == Int8Kernel::Avx512Vnni && int8_kernel_supported(kernel)) {
    requantize_maxpool_avx512(c, ldc, n, row_sum, rq, pool, out, ldo);
    return;
  }
  for (int py = 0; py < pool.out_h; ++py)
    for (int px = 0; px < pool.out_w; ++px)
      for (int64_t j = 0; j < n; ++j) {
        int32_t m = INT32_MIN;
        for (int ky = 0; ky < pool.kernel_h; ++ky)
          for (int kx = 0; kx < pool.kernel_w; ++kx) {
            const int64_t r = int64_t(py * pool.stride_h + ky) * pool.in_w + px * pool.stride_w + kx;
            const uint32_t s = row_sum ? uint32_t(row_sum[r]) : 0;
            m = std::max(m, int32_t(uint32_t(c[r * ldc + j]) + rq.c0[j] + rq.c1[j] * s));
          }
        const uint8_t q = saturate_u8(rq.zero_point + round_shift(int64_t(m) * rq.multiplier[j], int(rq.shift[j])));
        out[(int64_t(py) * pool.out_w + px) * ldo + j] = std::max(q, uint8_t(rq.min_code));
      }
}

namespace {

void check_gemm(Int8Kernel kernel, const Int8GemmA& a, const PackedInt8B& b) {
  if (a.segments * a.segment_length != b.k_padded || a.segment_length % 4 != 0)
    throw std::invalid_argument("int8_gemm: A segments do not match B's padded K");
  if (!int8_kernel_supported(kernel)) throw std::invalid_argument("int8_gemm: kernel not supported by this CPU");
}

void gemm_range(Int8Kernel kernel, const Int8GemmA& a, const KRange& kr, int64_t r0, int64_t m, const PackedInt8B& b,
                const COut& out) {
  switch (kernel) {
    case Int8Kernel::Avx512Vnni:
      gemm_vnni(a, kr, r0, m, b, out);
      return;
    case Int8Kernel::Avx2:
      gemm_avx2(a, kr, r0, m, b, out);
      return;
    case Int8Kernel::Portable:
      gemm_portable(a, kr, r0, m, b, out);
      return;
  }
}

}  // namespace

void int8_gemm(Int8Kernel kernel, const Int8GemmA& a, int64_t m, const PackedInt8B& b, int32_t* c, int64_t ldc) {
  check_gemm(kernel, a, b);
  if (m > 0) gemm_range(kernel, a, full_range(a), 0, m, b, COut{c, ldc, nullptr});
}

int int8_gemm_tile_rows(Int8Kernel kernel, int64_t n_padded) {
  switch (kernel) {
    case Int8Kernel::Avx512Vnni:
      return kVnniMr[std::min<int64_t>(kVnniBlocks, std::max<int64_t>(1, n_padded / 16))];
    case Int8Kernel::Avx2:
      return 4;
    case Int8Kernel::Portable:
      return 1;
  }
  return 1;
}

void int8_gemm_tiles(Int8Kernel kernel, const Int8GemmA& a, const std::vector<Int8GemmTile>& tiles,
                     const PackedInt8B& b, int32_t* c, int64_t ldc, const int32_t* c_row) {
  check_gemm(kernel, a, b);
  const COut out{c, ldc, c_row};
  for (const Int8GemmTile& t : tiles) {
    if (t.segment_begin < 0 || t.segment_end > a.segments || t.byte_begin < 0 || t.byte_end > a.segment_length ||
        t.byte_begin % 4 != 0 || t.byte_end % 4 != 0 || t.first_row < 0)
      throw std::invalid_argument("int8_gemm_tiles: tile outside A");
    const KRange kr{t.segment_begin, std::max(t.segment_begin, t.segment_end), t.byte_begin,
                    std::max<int64_t>(t.byte_begin, t.byte_end)};
    if (t.rows > 0) gemm_range(kernel, a, kr, t.first_row, t.rows, b, out);
  }
}

}  // namespace lvsim::previous
