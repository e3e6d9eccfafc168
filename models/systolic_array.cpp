#include "models/systolic_array.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#if defined(__AVX512BW__)
#include <immintrin.h>
// GCC 12 reports its own _mm512_undefined_epi32() inside the widening intrinsics as possibly
// uninitialized (a false positive of the header).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace lvsim {
namespace {

// out[c] = in[c] + x[c] * y[c] for c in [c0, n): 16-bit operands, 32-bit two's complement
// wrap-around sums (as the hardware adder). `out` may equal `in`; in == nullptr means zeros.
inline void mac_scalar(int32_t* out, const int32_t* in, const int16_t* x, const int16_t* y, int c0, int n) {
  for (int c = c0; c < n; ++c) out[c] = int32_t(uint32_t(in ? in[c] : 0) + uint32_t(int32_t(x[c]) * int32_t(y[c])));
}

#if defined(__AVX512BW__)
// 16 products x*y as 32-bit lanes: vpmaddwd on (x zero-extended, y sign-extended) 32-bit lanes
// gives lo(x)*lo(y) + 0*hi(y) = x*y.
inline __m512i mul16(__m256i x, __m256i y) {
  return _mm512_madd_epi16(_mm512_cvtepu16_epi32(x), _mm512_cvtepi16_epi32(y));
}

// One row of PEs: out[c] = in[c] + x[c] * y[c] (in == nullptr: zeros), where y's columns 0 and 1
// are taken from `y01` (low half: column 0, high half: column 1) instead of memory.
// Needs n >= 16.
inline void mac_row_edge(int32_t* out, const int32_t* in, const int16_t* x, const int16_t* y, uint32_t y01, int n) {
  __m256i y0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y));
  y0 = _mm256_mask_set1_epi32(y0, 1, int32_t(y01));
  const __m512i p0 = mul16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x)), y0);
  _mm512_storeu_si512(out, in ? _mm512_add_epi32(_mm512_loadu_si512(in), p0) : p0);
  int c = 16;
  for (; c + 16 <= n; c += 16) {
    const __m512i pc = mul16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + c)),
                             _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y + c)));
    _mm512_storeu_si512(out + c, in ? _mm512_add_epi32(_mm512_loadu_si512(in + c), pc) : pc);
  }
  mac_scalar(out, in, x, y, c, n);
}

// out[c] = in[c] + x[c] * y[c] (in == nullptr: zeros).
inline void mac_row(int32_t* out, const int32_t* in, const int16_t* x, const int16_t* y, int n) {
  int c = 0;
  for (; c + 16 <= n; c += 16) {
    const __m512i pc = mul16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + c)),
                             _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y + c)));
    _mm512_storeu_si512(out + c, in ? _mm512_add_epi32(_mm512_loadu_si512(in + c), pc) : pc);
  }
  mac_scalar(out, in, x, y, c, n);
}
constexpr bool kVector = true;
#else
inline void mac_row(int32_t* out, const int32_t* in, const int16_t* x, const int16_t* y, int n) {
  mac_scalar(out, in, x, y, 0, n);
}
inline void mac_row_edge(int32_t*, const int32_t*, const int16_t*, const int16_t*, uint32_t, int) {}
constexpr bool kVector = false;
#endif

int round_up16(int n) {
  return (n + 15) / 16 * 16;
}

}  // namespace

SystolicArray::SystolicArray(int rows, int cols)
    : rows_(rows), cols_(cols), mapped_rows_(rows), mapped_cols_(cols), stride_(round_up16(cols)) {
  if (rows < 1 || cols < 1) throw std::invalid_argument("SystolicArray: rows and cols must be >= 1");
  const size_t n = size_t(rows) * size_t(stride_);
  stat_.assign(n, 0);
  hor_slack_ = std::max(256, 4 * cols);
  hor_stride_ = cols + hor_slack_;
  hor_.assign(size_t(rows) * size_t(hor_stride_), 0);
  hor_base_ = hor_slack_;
  ver_slack_ = std::max(64, 2 * rows);
  ver_.assign(size_t(rows + ver_slack_) * size_t(stride_), 0);
  ver_base_ = ver_slack_;
  psum_slack_ = std::max(64, 4 * rows);
  psum_.assign(size_t(rows + psum_slack_) * size_t(stride_), 0);
  psum_base_ = psum_slack_;
  left_.assign(size_t(rows), 0);
  left_prev_.assign(size_t(rows), 0);
  top_.assign(size_t(cols), 0);
  top_out_.assign(size_t(cols), 0);
}

void SystolicArray::set_mapped(int rows, int cols) {
  if (rows < 0 || rows > rows_ || cols < 0 || cols > cols_)
    throw std::invalid_argument("SystolicArray::set_mapped: region outside the array");
  mapped_rows_ = rows;
  mapped_cols_ = cols;
}

int SystolicArray::bits_written_per_pe(ArrayMode m) {
  switch (m) {
    case ArrayMode::Idle:
      return 0;
    case ArrayMode::LoadStationary:
      return 16;
    case ArrayMode::Stream:
      return 16 + 32;
    case ArrayMode::OsCompute:
      return 16 + 16 + 32;
    case ArrayMode::OsDrain:
      return 32;
  }
  return 0;
}

int64_t SystolicArray::hops_per_edge(ArrayMode m, int64_t rows, int64_t cols) {
  if (rows == 0 || cols == 0) return 0;
  switch (m) {
    case ArrayMode::Idle:
      return 0;
    case ArrayMode::LoadStationary:
    case ArrayMode::OsDrain:
      return (rows - 1) * cols;
    case ArrayMode::Stream:
    case ArrayMode::OsCompute:
      return rows * (cols - 1) + (rows - 1) * cols;
  }
  return 0;
}

// An ungated clock reaches every register bit on every edge; only mapped PEs capture new values.
void SystolicArray::count_edges(int64_t n) {
  const int64_t mapped = int64_t(mapped_rows_) * mapped_cols_;
  const int64_t written = int64_t(bits_written_per_pe(mode_)) * mapped;
  stats_.register_bits_written += written * n;
  stats_.register_bits_idle += (int64_t(kRegisterBitsPerPe) * rows_ * cols_ - written) * n;
  stats_.hops += hops_per_edge(mode_, mapped_rows_, mapped_cols_) * n;
}

void SystolicArray::clear() {
  mapped_rows_ = rows_;
  mapped_cols_ = cols_;
  std::fill(stat_.begin(), stat_.end(), 0);
  std::fill(hor_.begin(), hor_.end(), 0);
  hor_base_ = hor_slack_;
  std::fill(ver_.begin(), ver_.end(), 0);
  ver_base_ = ver_slack_;
  std::fill(psum_.begin(), psum_.end(), 0);
  psum_base_ = psum_slack_;
  std::fill(left_.begin(), left_.end(), 0);
  std::fill(left_prev_.begin(), left_prev_.end(), 0);
  std::fill(top_.begin(), top_.end(), 0);
  std::fill(top_out_.begin(), top_out_.end(), 0);
}

void SystolicArray::step() {
  ++stats_.cycles;
  count_edges(1);
  switch (mode_) {
    case ArrayMode::Idle:
      ++stats_.idle_cycles;
      break;
    case ArrayMode::LoadStationary:
      step_load();
      ++stats_.load_cycles;
      break;
    case ArrayMode::Stream:
      step_stream();
      ++stats_.stream_cycles;
      break;
    case ArrayMode::OsCompute:
      step_os_compute();
      ++stats_.os_compute_cycles;
      break;
    case ArrayMode::OsDrain:
      step_os_drain();
      ++stats_.os_drain_cycles;
      break;
  }
}

void SystolicArray::shift_operands() {
  if (hor_base_ == 0) {
    for (int r = 0; r < rows_; ++r) {
      int16_t* row = hor_.data() + int64_t(r) * hor_stride_;
      std::memmove(row + hor_slack_, row, size_t(cols_) * sizeof(int16_t));
    }
    hor_base_ = hor_slack_;
  }
  --hor_base_;
}

void SystolicArray::shift_verticals() {
  if (ver_base_ == 0) {
    std::memmove(ver_.data() + int64_t(ver_slack_) * stride_, ver_.data(),
                 size_t(rows_) * size_t(stride_) * sizeof(int16_t));
    ver_base_ = ver_slack_;
  }
  --ver_base_;
  std::copy_n(top_.data(), cols_, ver_.data() + int64_t(ver_base_) * stride_);
}

// Stationary registers form one shift chain per column: row r takes row r-1's value, row 0 takes
// top_in. Updated in place from the bottom row up so every row reads its neighbour's old value.
void SystolicArray::step_load() {
  const int C = cols_, S = stride_;
  for (int r = rows_ - 1; r >= 1; --r) std::copy_n(stat_.data() + int64_t(r - 1) * S, C, stat_.data() + int64_t(r) * S);
  std::copy_n(top_.data(), C, stat_.data());
}

// next operand(r, c) = operand(r, c-1) (column 0: left_in[r]); next psum(r, c) = psum(r-1, c) (row 0:
// 0) + stationary(r, c) * next operand(r, c): the PE multiplies the operand arriving this edge.
// The partial-sum window moves up one row, so new row r (r >= 1) is stored where old row r-1 was
// and is updated in place; new row 0 starts from 0.
void SystolicArray::step_stream() {
  shift_operands();
  const int C = cols_, S = stride_;
  if (psum_base_ == 0) {
    std::memmove(psum_.data() + int64_t(psum_slack_) * S, psum_.data(), size_t(rows_) * size_t(S) * sizeof(int32_t));
    psum_base_ = psum_slack_;
  }
  --psum_base_;
  // Locals: the int32 stores below could alias members as far as the compiler knows.
  const int R = rows_;
  const int64_t hs = hor_stride_;
  int16_t* a = hor_.data() + hor_base_;
  const int16_t* w = stat_.data();
  int32_t* p = psum_.data() + int64_t(psum_base_) * S;
  const int16_t* left = left_.data();
  const int16_t* prev = left_prev_.data();
  for (int r = 0; r < R; ++r, a += hs, w += S, p += S) {
    const int16_t in = left[r];
    if (kVector && C >= 16) {
      mac_row_edge(p, r > 0 ? p : nullptr, w, a, uint32_t(uint16_t(in)) | uint32_t(uint16_t(prev[r])) << 16, C);
      a[0] = in;
    } else {
      a[0] = in;
      mac_scalar(p, r > 0 ? p : nullptr, w, a, 0, C);
    }
  }
  std::copy(left_.begin(), left_.end(), left_prev_.begin());
}

// Row r on edge j (of this call) stores its sum in psum slot base - 1 - j + r, the slot row r-1
// wrote on edge j-1 (its input): each slot is one diagonal chain, so rows can run all n edges in
// turn, top to bottom. Row r's operand window on edge j starts at hor base - 1 - j.
void SystolicArray::stream(int n, const int16_t* left_seq) {
  if (n < 1 || n > kMaxStreamBatch) throw std::invalid_argument("SystolicArray::stream: batch size out of range");
  mode_ = ArrayMode::Stream;
  const int R = rows_, C = cols_, S = stride_;
  stats_.cycles += n;
  stats_.stream_cycles += n;
  count_edges(n);
  if (hor_base_ < n) {
    for (int r = 0; r < R; ++r) {
      int16_t* row = hor_.data() + int64_t(r) * hor_stride_;
      std::memmove(row + hor_slack_, row + hor_base_, size_t(cols_) * sizeof(int16_t));
    }
    hor_base_ = hor_slack_;
  }
  if (psum_base_ < n) {
    std::memmove(psum_.data() + int64_t(psum_slack_) * S, psum_.data() + int64_t(psum_base_) * S,
                 size_t(R) * size_t(S) * sizeof(int32_t));
    psum_base_ = psum_slack_;
  }
  const int64_t hs = hor_stride_, hb = hor_base_, pb = psum_base_;
  // All operands first: the loads below then never overlap a store still in flight.
  for (int r = 0; r < R; ++r) {
    int16_t* row = hor_.data() + r * hs + hb - 1;
    for (int j = 0; j < n; ++j) row[-j] = left_seq[int64_t(j) * R + r];
  }
  for (int r = 0; r < R; ++r) {
    const int16_t* w = stat_.data() + int64_t(r) * S;
    const int16_t* a = hor_.data() + r * hs + hb - 1;
    int32_t* p = psum_.data() + (pb - 1 + r) * S;
#if defined(__AVX512BW__)
    if (C == 16) {  // one chunk per row: keep the stationary row in a register, no tail
      const __m512i wv = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(w)));
      for (int j = 0; j < n; ++j, --a, p -= S) {
        const __m512i pv =
            _mm512_madd_epi16(wv, _mm512_cvtepi16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a))));
        _mm512_store_si512(p, r > 0 ? _mm512_add_epi32(_mm512_load_si512(p), pv) : pv);
      }
      continue;
    }
#endif
    for (int j = 0; j < n; ++j, --a, p -= S) mac_row(p, r > 0 ? p : nullptr, w, a, C);
  }
  hor_base_ = int(hb - n);
  psum_base_ = int(pb - n);
  // Column 0 now holds the last edge's left_in (column 1 on the next edge).
  std::copy_n(left_seq + int64_t(n - 1) * R, R, left_.data());
  std::copy(left_.begin(), left_.end(), left_prev_.begin());
}

// next act(r, c) = act(r, c-1) (column 0: left_in[r]); next weight(r, c) = weight(r-1, c) (row 0:
// top_in[c]); acc(r, c) += next act * next weight.
void SystolicArray::step_os_compute() {
  shift_operands();
  shift_verticals();
  const int C = cols_, S = stride_;
  const int R = rows_;
  const int64_t hs = hor_stride_;
  int16_t* a = hor_.data() + hor_base_;
  const int16_t* v = ver_.data() + int64_t(ver_base_) * S;
  int32_t* acc = psum_.data() + int64_t(psum_base_) * S;
  const int16_t* left = left_.data();
  const int16_t* prev = left_prev_.data();
  for (int r = 0; r < R; ++r, a += hs, v += S, acc += S) {
    const int16_t in = left[r];
    if (kVector && C >= 16) {
      mac_row_edge(acc, acc, v, a, uint32_t(uint16_t(in)) | uint32_t(uint16_t(prev[r])) << 16, C);
      a[0] = in;
    } else {
      a[0] = in;
      mac_scalar(acc, acc, v, a, 0, C);
    }
  }
  std::copy(left_.begin(), left_.end(), left_prev_.begin());
}

void SystolicArray::step_os_drain() {
  const int C = cols_, S = stride_;
  int32_t* p = psum_.data() + int64_t(psum_base_) * S;
  std::copy_n(p, C, top_out_.data());
  for (int r = 0; r + 1 < rows_; ++r) std::copy_n(p + int64_t(r + 1) * S, C, p + int64_t(r) * S);
  std::fill_n(p + int64_t(rows_ - 1) * S, C, 0);
}

}  // namespace lvsim
