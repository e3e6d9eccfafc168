// The int8 GEMM kernels against a plain triple loop over explicitly gathered A rows.
#include <catch2/catch.hpp>

#include "common/rng.h"
#include "workloads/inference/int8_gemm.h"

using namespace lvsim;

TEST_CASE("int8 GEMM kernels equal a naive loop on odd shapes and extreme values", "[fast][gemm]") {
  const int64_t m = GENERATE(1, 5, 6, 7, 13, 25);
  const int64_t n = GENERATE(1, 15, 16, 17, 48, 64, 65, 130);
  const int segments = GENERATE(1, 3);
  const int64_t seg_k = GENERATE(1, 4, 7, 32);  // logical K per segment (padded to 4 with zero weights)
  const int extreme = GENERATE(0, 1);           // all a = 255 and b = -128: largest magnitudes
  SplitMix64 r(derive_seed(uint64_t(m * 1000003 + n * 1009 + segments * 101 + seg_k), uint64_t(extreme)));
  const int64_t seg_len = (seg_k + 3) / 4 * 4;
  const int64_t k_padded = segments * seg_len;
  // A: rows in one buffer with a row stride, segments at a stride: an arbitrary gather pattern.
  const int64_t seg_stride = seg_len + 5, row_stride = 3 + segments * seg_stride;
  std::vector<uint8_t> abuf(size_t(m * row_stride + 64));
  for (auto& v : abuf) v = extreme ? 255 : uint8_t(r.next());
  std::vector<const uint8_t*> rows;
  for (int64_t i = 0; i < m; ++i) rows.push_back(abuf.data() + i * row_stride + 1);
  std::vector<int64_t> offs;
  for (int s = 0; s < segments; ++s) offs.push_back(s * seg_stride);
  std::vector<int8_t> bval(size_t(k_padded * n));
  for (int64_t kk = 0; kk < k_padded; ++kk)
    for (int64_t j = 0; j < n; ++j)
      bval[size_t(kk * n + j)] = (kk % seg_len) < seg_k ? int8_t(extreme ? -128 : int8_t(r.next())) : 0;
  const PackedInt8B b = PackedInt8B::pack(k_padded, n, [&](int64_t kk, int64_t j) { return bval[size_t(kk * n + j)]; });
  std::vector<int32_t> expect(size_t(m * n));
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      int64_t s = 0;
      for (int64_t kk = 0; kk < k_padded; ++kk)
        s += int64_t(rows[size_t(i)][offs[size_t(kk / seg_len)] + kk % seg_len]) * bval[size_t(kk * n + j)];
      expect[size_t(i * n + j)] = int32_t(s);
    }
  const Int8GemmA a{rows.data(), offs.data(), segments, seg_len};
  for (Int8Kernel k : {Int8Kernel::Portable, Int8Kernel::Avx2, Int8Kernel::Avx512Vnni}) {
    if (!int8_kernel_supported(k)) continue;
    INFO("kernel " << int8_kernel_name(k) << " m " << m << " n " << n << " segments " << segments << " k " << seg_k);
    std::vector<int32_t> c(size_t(m * b.n_padded), 12345);
    int8_gemm(k, a, m, b, c.data(), b.n_padded);
    bool same = true;
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) same = same && c[size_t(i * b.n_padded + j)] == expect[size_t(i * n + j)];
    CHECK(same);
  }
}

TEST_CASE("int8 GEMM rejects A segments that do not cover B's K", "[fast][gemm]") {
  const PackedInt8B b = PackedInt8B::pack(8, 16, [](int64_t, int64_t) { return 1; });
  const uint8_t data[64] = {};
  const uint8_t* rows[1] = {data};
  const int64_t offs[1] = {0};
  std::vector<int32_t> c(16);
  CHECK_THROWS_AS(int8_gemm(Int8Kernel::Portable, Int8GemmA{rows, offs, 1, 4}, 1, b, c.data(), 16),
                  std::invalid_argument);
}

TEST_CASE("int8 GEMM tiles compute their reduction ranges and write rows where c_row says", "[fast][gemm]") {
  // A: 3 segments of 12 bytes; each tile's rows hold random bytes inside the tile's range and
  // zeros outside it (as zero padding would), so the tiles' result must equal the full product,
  // computed here by a plain loop over all of K.
  const int segments = 3;
  const int64_t seg_len = 12, k_padded = segments * seg_len;
  const int64_t n = GENERATE(16, 40, 64, 100);
  SplitMix64 r(derive_seed(77, uint64_t(n)));
  const std::vector<Int8GemmTile> tiles = {
      {0, 6, 0, 3, 0, 12},   // full range
      {6, 3, 1, 3, 4, 12},   // segments 1..2, bytes 4..11
      {9, 1, 0, 1, 0, 4},    // one step
      {10, 5, 2, 2, 0, 12},  // empty range: results 0
      {15, 2, 0, 3, 8, 8},   // empty byte range: results 0
      {17, 7, 0, 2, 4, 8},
  };
  const int64_t m = 24;
  std::vector<uint8_t> abuf(size_t(m * k_padded + 64), 0);
  std::vector<const uint8_t*> rows;
  for (int64_t i = 0; i < m; ++i) rows.push_back(abuf.data() + i * k_padded);
  for (const Int8GemmTile& t : tiles)
    for (int i = t.first_row; i < t.first_row + t.rows; ++i)
      for (int s = t.segment_begin; s < t.segment_end; ++s)
        for (int j = t.byte_begin; j < t.byte_end; ++j)
          abuf[size_t(i * k_padded + s * seg_len + j)] = uint8_t(r.next());
  std::vector<int64_t> offs;
  for (int s = 0; s < segments; ++s) offs.push_back(s * seg_len);
  std::vector<int8_t> bval(size_t(k_padded * n));
  for (auto& v : bval) v = int8_t(r.next());
  const PackedInt8B b = PackedInt8B::pack(k_padded, n, [&](int64_t kk, int64_t j) { return bval[size_t(kk * n + j)]; });
  // C row of A row i: reversed order.
  std::vector<int32_t> c_row(static_cast<size_t>(m));
  for (int64_t i = 0; i < m; ++i) c_row[size_t(i)] = int32_t(m - 1 - i);
  int nonzero = 0;
  const Int8GemmA a{rows.data(), offs.data(), segments, seg_len};
  for (Int8Kernel k : {Int8Kernel::Portable, Int8Kernel::Avx2, Int8Kernel::Avx512Vnni}) {
    if (!int8_kernel_supported(k)) continue;
    std::vector<int32_t> c(size_t(m * b.n_padded), 12345);
    int8_gemm_tiles(k, a, tiles, b, c.data(), b.n_padded, c_row.data());
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        int64_t s = 0;
        for (int64_t kk = 0; kk < k_padded; ++kk) s += int64_t(rows[size_t(i)][kk]) * bval[size_t(kk * n + j)];
        INFO("kernel " << int8_kernel_name(k) << " row " << i << " column " << j);
        REQUIRE(c[size_t(c_row[size_t(i)] * b.n_padded + j)] == int32_t(s));
        nonzero += s != 0;
      }
  }
  CHECK(nonzero > 0);
  std::vector<int32_t> c(size_t(m * b.n_padded));
  const std::vector<Int8GemmTile> outside = {{0, 1, 0, 4, 0, 12}};
  CHECK_THROWS_AS(int8_gemm_tiles(Int8Kernel::Portable, a, outside, b, c.data(), b.n_padded), std::invalid_argument);
  const std::vector<Int8GemmTile> unaligned = {{0, 1, 0, 1, 2, 12}};
  CHECK_THROWS_AS(int8_gemm_tiles(Int8Kernel::Portable, a, unaligned, b, c.data(), b.n_padded), std::invalid_argument);
}
