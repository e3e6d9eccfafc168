// Hand-worked register-level traces of a 2x2 array (expected values computed by hand).
#include <catch2/catch.hpp>

#include <vector>

#include "models/systolic_array.h"

using namespace lvsim;

namespace {

void set_left(SystolicArray& a, int16_t r0, int16_t r1) {
  a.left_in()[0] = r0;
  a.left_in()[1] = r1;
}
void set_top(SystolicArray& a, int16_t c0, int16_t c1) {
  a.top_in()[0] = c0;
  a.top_in()[1] = c1;
}

}  // namespace

// out[m][n] = sum_k A[m][k] W[k][n], M = 3 pixels, K = 2, N = 2; W = [[1, 2], [3, 4]],
// A = [[1, -1], [2, 0], [-3, 5]] -> out = [[-2, -2], [2, 4], [12, 14]].
TEST_CASE("2x2 weight-stationary array, cycle by cycle", "[systolic_array]") {
  SystolicArray a(2, 2);
  // Load: W row 1 first (it shifts down to row 1), then row 0.
  a.set_mode(ArrayMode::LoadStationary);
  set_top(a, 3, 4);
  a.step();
  CHECK(a.stationary(0, 0) == 3);
  CHECK(a.stationary(0, 1) == 4);
  CHECK(a.stationary(1, 0) == 0);
  set_top(a, 1, 2);
  a.step();
  CHECK(a.stationary(0, 0) == 1);
  CHECK(a.stationary(0, 1) == 2);
  CHECK(a.stationary(1, 0) == 3);
  CHECK(a.stationary(1, 1) == 4);

  a.set_mode(ArrayMode::Stream);
  // n = 0: row 0 gets A[0][0]; row 1 starts one cycle later (skew).
  set_left(a, 1, 0);
  a.step();
  CHECK(a.operand(0, 0) == 1);
  CHECK(a.operand(0, 1) == 0);
  CHECK(a.psum(0, 0) == 1);
  CHECK(a.psum(0, 1) == 0);
  CHECK(a.psum(1, 0) == 0);
  // n = 1
  set_left(a, 2, -1);
  a.step();
  CHECK(a.operand(0, 0) == 2);
  CHECK(a.operand(0, 1) == 1);
  CHECK(a.operand(1, 0) == -1);
  CHECK(a.psum(0, 0) == 2);
  CHECK(a.psum(0, 1) == 2);
  CHECK(a.psum(1, 0) == -2);  // out[0][0] leaves column 0
  CHECK(a.psum(1, 1) == 0);
  CHECK(a.bottom_out()[0] == -2);
  // n = 2
  set_left(a, -3, 0);
  a.step();
  CHECK(a.psum(0, 0) == -3);
  CHECK(a.psum(0, 1) == 4);
  CHECK(a.psum(1, 0) == 2);   // out[1][0]
  CHECK(a.psum(1, 1) == -2);  // out[0][1]
  // n = 3
  set_left(a, 0, 5);
  a.step();
  CHECK(a.operand(1, 0) == 5);
  CHECK(a.operand(0, 1) == -3);
  CHECK(a.psum(1, 0) == 12);  // out[2][0]
  CHECK(a.psum(1, 1) == 4);   // out[1][1]
  // n = 4
  set_left(a, 0, 0);
  a.step();
  CHECK(a.operand(1, 1) == 5);
  CHECK(a.psum(1, 1) == 14);  // out[2][1]: the last output, 2R + C + T - 2 = 7 cycles in all
  CHECK(a.stats().cycles == 7);
  CHECK(a.stats().load_cycles == 2);
  CHECK(a.stats().stream_cycles == 5);
  // Bits: load 16 per PE, stream 48 per PE; every other bit of the 64 per PE clocks idle.
  CHECK(a.stats().register_bits_written == 2 * 4 * 16 + 5 * 4 * 48);
  CHECK(a.stats().register_bits_idle == 7 * 4 * 64 - (2 * 4 * 16 + 5 * 4 * 48));
  CHECK(a.stats().hops == 2 * 2 + 5 * (2 + 2));
}

// OS: M = 2 pixels (rows), N = 2 filters (cols), K = 3: A = [[1, 2, 3], [-1, 0, 2]],
// W = [[1, -1], [2, 0], [0, 3]] (K x N) -> out = [[5, 8], [-1, 7]].
TEST_CASE("2x2 output-stationary array, cycle by cycle", "[systolic_array]") {
  SystolicArray a(2, 2);
  a.set_mode(ArrayMode::OsCompute);
  set_left(a, 1, 0);
  set_top(a, 1, 0);
  a.step();
  CHECK(a.psum(0, 0) == 1);
  CHECK(a.vertical(0, 0) == 1);
  set_left(a, 2, -1);
  set_top(a, 2, -1);
  a.step();
  CHECK(a.operand(0, 1) == 1);
  CHECK(a.vertical(1, 0) == 1);
  CHECK(a.psum(0, 0) == 5);
  CHECK(a.psum(0, 1) == -1);
  CHECK(a.psum(1, 0) == -1);
  CHECK(a.psum(1, 1) == 0);
  set_left(a, 3, 0);
  set_top(a, 0, 0);
  a.step();
  CHECK(a.psum(0, 0) == 5);
  CHECK(a.psum(0, 1) == -1);
  CHECK(a.psum(1, 0) == -1);
  CHECK(a.psum(1, 1) == 1);
  set_left(a, 0, 2);
  set_top(a, 0, 3);
  a.step();
  CHECK(a.psum(0, 1) == 8);
  CHECK(a.psum(1, 1) == 1);
  set_left(a, 0, 0);
  set_top(a, 0, 0);
  a.step();
  CHECK(a.operand(1, 1) == 2);
  CHECK(a.vertical(1, 1) == 3);
  CHECK(a.psum(1, 1) == 7);
  a.set_mode(ArrayMode::OsDrain);
  a.step();
  CHECK(a.top_out()[0] == 5);
  CHECK(a.top_out()[1] == 8);
  CHECK(a.psum(0, 0) == -1);
  CHECK(a.psum(0, 1) == 7);
  CHECK(a.psum(1, 0) == 0);
  a.step();
  CHECK(a.top_out()[0] == -1);
  CHECK(a.top_out()[1] == 7);
  CHECK(a.psum(0, 0) == 0);
  CHECK(a.stats().cycles == 7);  // R + C + T - 2 = 5 compute + R = 2 drain
  CHECK(a.stats().register_bits_written == 5 * 4 * 64 + 2 * 4 * 32);
  CHECK(a.stats().register_bits_idle == 7 * 4 * 64 - (5 * 4 * 64 + 2 * 4 * 32));
  CHECK(a.stats().hops == 5 * 4 + 2 * 2);
}

TEST_CASE("idle steps change nothing but the cycle count", "[systolic_array]") {
  SystolicArray a(3, 2);
  a.set_mode(ArrayMode::LoadStationary);
  set_top(a, 7, -7);
  a.step();
  a.set_mode(ArrayMode::Idle);
  a.step();
  a.step();
  CHECK(a.stationary(0, 0) == 7);
  CHECK(a.stationary(0, 1) == -7);
  CHECK(a.stats().cycles == 3);
  CHECK(a.stats().idle_cycles == 2);
  CHECK(a.stats().register_bits_written == 6 * 16);
  CHECK(a.stats().register_bits_idle == 3 * 6 * 64 - 6 * 16);  // idle edges clock every bit
}

// Wide arrays take the SIMD path (16-column chunks) plus a scalar tail: a WS GEMM traced
// through the edges against a direct sum, then the same registers read back in OS mode.
TEST_CASE("wide array: streamed sums equal direct sums, registers survive a dataflow switch", "[systolic_array]") {
  const int R = 3, C = 70, T = 5;
  SystolicArray a(R, C);
  std::vector<int16_t> w(size_t(R * C)), x(size_t(T * R));
  for (size_t i = 0; i < w.size(); ++i) w[i] = int16_t(int(i * 37 % 511) - 255);
  for (size_t i = 0; i < x.size(); ++i) x[i] = int16_t(int(i * 91 % 511) - 255);
  a.set_mode(ArrayMode::LoadStationary);
  for (int s = 0; s < R; ++s) {
    for (int c = 0; c < C; ++c) a.top_in()[c] = w[size_t((R - 1 - s) * C + c)];
    a.step();
  }
  a.set_mode(ArrayMode::Stream);
  int64_t checked = 0;
  for (int n = 0; n < T + R + C - 2; ++n) {
    for (int r = 0; r < R; ++r) a.left_in()[r] = n - r >= 0 && n - r < T ? x[size_t((n - r) * R + r)] : int16_t(0);
    a.step();
    for (int c = 0; c < C; ++c) {
      const int t = n - (R - 1) - c;
      if (t < 0 || t >= T) continue;
      int32_t expect = 0;
      for (int r = 0; r < R; ++r) expect += int32_t(w[size_t(r * C + c)]) * x[size_t(t * R + r)];
      CHECK(a.bottom_out()[c] == expect);
      CHECK(a.psum(R - 1, c) == expect);
      ++checked;
    }
  }
  CHECK(checked == T * C);
  const int32_t before = a.psum(1, 45);
  a.set_mode(ArrayMode::OsDrain);
  CHECK(a.psum(1, 45) == before);
  a.set_mode(ArrayMode::Stream);
  CHECK(a.psum(1, 45) == before);
}

// stream(n) must be n plain Stream steps: same registers, stats and bottom outputs, for narrow
// (scalar) and wide (SIMD + tail) arrays, batches crossing the window re-basing, and a batch
// following single steps (the operand and sum windows must continue where step() left them).
TEST_CASE("stream(n) equals n Stream steps", "[systolic_array]") {
  for (const auto& [R, C] : {std::pair{1, 1}, std::pair{3, 2}, std::pair{5, 17}, std::pair{16, 16}, std::pair{7, 70}}) {
    SystolicArray a(R, C), b(R, C);
    uint32_t s = 12345u + uint32_t(R * 100 + C);
    auto rnd = [&s] {
      s = s * 1664525u + 1013904223u;
      return int16_t(int(s >> 16) % 1001 - 500);
    };
    for (SystolicArray* x : {&a, &b}) x->set_mode(ArrayMode::LoadStationary);
    for (int i = 0; i < R; ++i) {
      for (int c = 0; c < C; ++c) a.top_in()[c] = b.top_in()[c] = rnd();
      a.step();
      b.step();
    }
    a.set_mode(ArrayMode::Stream);
    b.set_mode(ArrayMode::Stream);
    for (int n : {1, 3, 64, 2, 64, 64, 64, 64, 64, 5, 64, 64}) {
      std::vector<int16_t> seq(size_t(n) * size_t(R));
      for (auto& v : seq) v = rnd();
      std::vector<std::vector<int32_t>> bottoms;
      for (int j = 0; j < n; ++j) {
        for (int r = 0; r < R; ++r) a.left_in()[r] = seq[size_t(j * R + r)];
        a.step();
        bottoms.emplace_back(a.bottom_out(), a.bottom_out() + C);
      }
      b.stream(n, seq.data());
      for (int j = 0; j < n; ++j)
        for (int c = 0; c < C; ++c) REQUIRE(b.bottom_out(n - 1 - j)[c] == bottoms[size_t(j)][size_t(c)]);
      for (int r = 0; r < R; ++r) {
        REQUIRE(b.left_in()[r] == a.left_in()[r]);
        for (int c = 0; c < C; ++c) {
          REQUIRE(b.operand(r, c) == a.operand(r, c));
          REQUIRE(b.psum(r, c) == a.psum(r, c));
          REQUIRE(b.stationary(r, c) == a.stationary(r, c));
        }
      }
      // a single step after the batch continues identically
      for (int r = 0; r < R; ++r) a.left_in()[r] = b.left_in()[r] = rnd();
      a.step();
      b.step();
      INFO("R " << R << " C " << C << " n " << n);
      for (int c = 0; c < C; ++c) REQUIRE(b.bottom_out()[c] == a.bottom_out()[c]);
    }
    CHECK(b.stats().cycles == a.stats().cycles);
    CHECK(b.stats().stream_cycles == a.stats().stream_cycles);
    CHECK(b.stats().register_bits_written == a.stats().register_bits_written);
    CHECK(b.stats().register_bits_idle == a.stats().register_bits_idle);
    CHECK(b.stats().hops == a.stats().hops);
  }
}

TEST_CASE("mapped region: only its PEs capture bits and pass values; the rest clock idle", "[systolic_array]") {
  SystolicArray a(4, 5);
  a.set_mapped(2, 3);  // a partial fold: 2 rows x 3 cols of 4 x 5
  a.set_mode(ArrayMode::Stream);
  a.step();
  a.stream(3, std::vector<int16_t>(3 * 4, 1).data());
  a.set_mode(ArrayMode::LoadStationary);
  a.step();
  // Stream: 4 edges x 6 PEs x 48 bits; load: 1 edge x 6 PEs x 16 bits.
  const int64_t written = 4 * 6 * 48 + 6 * 16;
  CHECK(a.stats().register_bits_written == written);
  CHECK(a.stats().register_bits_idle == 5 * 20 * 64 - written);
  // Hops inside 2 x 3: stream 2*2 horizontal + 1*3 vertical = 7 per edge, load 3.
  CHECK(a.stats().hops == 4 * 7 + 3);
  a.clear();  // back to the whole array
  a.set_mode(ArrayMode::OsDrain);
  a.step();
  CHECK(a.stats().register_bits_written == written + 20 * 32);
  CHECK_THROWS(a.set_mapped(5, 1));
}
