// Plain C++ register-level model of an R x C systolic MAC array (no SystemC): every PE's registers
// live in struct-of-arrays form (int16 operands, int32 partial sums, row-major R x C, rows on
// cache lines), and step() advances the whole array by one clock edge with AVX-512 loops along
// the columns (scalar fallback); stream(n) runs n Stream edges row by row. The controller sets
// the mode and the edge inputs before each step and reads the edge outputs after it. Register-level semantics per mode:
// docs/timing-model.md ("Array registers").
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <vector>

namespace lvsim {

/// std::allocator with 64-byte (cache-line) aligned storage, so register rows start on a line.
template <class T>
struct CacheLineAllocator {
  using value_type = T;
  CacheLineAllocator() = default;
  template <class U>
  CacheLineAllocator(const CacheLineAllocator<U>&) {}
  T* allocate(size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t(64))); }
  void deallocate(T* p, size_t) { ::operator delete(p, std::align_val_t(64)); }
  friend bool operator==(const CacheLineAllocator&, const CacheLineAllocator&) { return true; }
};

/// What the array does on the next clock edge (chosen by the controller).
enum class ArrayMode {
  Idle,            // clock edge with no register change (stall or post-processing cycle)
  LoadStationary,  // stationary registers shift down one row; top_in enters row 0 (WS/IS fill)
  Stream,          // WS/IS: operands shift right (left_in enters column 0), partial sums shift down
                   // accumulating stationary x operand; row R-1's sums leave at the bottom
  OsCompute,       // OS: activations shift right, weights shift down, each PE accumulates in place
  OsDrain,         // OS: accumulators shift up one row; row 0 leaves at the top, zeros enter row R-1
};

/// Plain per-mode event counters of the array (reset by reset_stats()).
struct ArrayStats {
  int64_t cycles = 0;  // clock edges, all modes
  int64_t idle_cycles = 0;
  int64_t load_cycles = 0;
  int64_t stream_cycles = 0;
  int64_t os_compute_cycles = 0;
  int64_t os_drain_cycles = 0;
  // PE register bits (docs/timing-model.md "Array registers"): captured by mapped PEs, and clock
  // edges of bits that capture nothing (unmapped PEs, registers the mode leaves, idle edges).
  int64_t register_bits_written = 0;
  int64_t register_bits_idle = 0;
  int64_t hops = 0;  // values moved from one mapped PE to a neighbouring mapped PE
  void reset() { *this = ArrayStats{}; }
};

/// R x C systolic array of MAC PEs: weight-, input- and output-stationary register transfers.
class SystolicArray {
 public:
  SystolicArray(int rows, int cols);

  int rows() const { return rows_; }
  int cols() const { return cols_; }

  /// Clears every PE register and edge register (not the stats).
  void clear();

  void set_mode(ArrayMode m) { mode_ = m; }
  /// The PEs of the current fold: rows [0, rows) x cols [0, cols) (the rest hold zeros); counts
  /// only, the registers compute the same. Default and after clear(): the whole array.
  void set_mapped(int rows, int cols);

  /// Register bits per PE: stationary (or OS vertical) and moving operand 16 bits each, partial
  /// sum 32 bits.
  static constexpr int kRegisterBitsPerPe = 64;
  /// Bits a mapped PE captures on one edge of mode `m`: load 16, stream 48, OS compute 64,
  /// OS drain 32, idle 0.
  static int bits_written_per_pe(ArrayMode m);
  /// Values moved between mapped PEs on one edge of mode `m` with `rows` x `cols` mapped.
  static int64_t hops_per_edge(ArrayMode m, int64_t rows, int64_t cols);
  ArrayMode mode() const { return mode_; }

  /// Edge inputs for the next step: left_in()[r] enters row r at column 0 (streamed operand);
  /// top_in()[c] enters column c at row 0 (stationary operand in LoadStationary, weight in OsCompute).
  /// They keep their value until overwritten.
  int16_t* left_in() { return left_.data(); }
  int16_t* top_in() { return top_.data(); }

  /// One clock edge of the whole array in the current mode.
  void step();

  /// Stream mode for `n` clock edges at once (1 <= n <= kMaxStreamBatch): edge j (0-based) takes
  /// left_in = left_seq[j * rows() ..]. Identical registers, stats and edge values to n times
  /// {copy left_seq row j to left_in(); step() in Stream mode}, but computed row by row over the n
  /// edges (the skew makes that legal), so a row's partial sums stay in L1 between edges.
  /// Afterwards the mode is Stream and left_in() holds left_seq's last row.
  void stream(int n, const int16_t* left_seq);
  static constexpr int kMaxStreamBatch = 64;

  /// After a Stream step: the partial sums in row R-1 (leaving the array at the bottom), C values.
  const int32_t* bottom_out() const { return psum_.data() + int64_t(psum_base_ + rows_ - 1) * stride_; }
  /// After Stream steps: the sums that left at the bottom `edges_ago` edges earlier (0: the last
  /// edge, = bottom_out()); valid for the edges of the last stream() call or the last step().
  const int32_t* bottom_out(int edges_ago) const {
    return psum_.data() + int64_t(psum_base_ + rows_ - 1 + edges_ago) * stride_;
  }
  /// After an OsDrain step: the accumulators that left row 0 at the top, C values.
  const int32_t* top_out() const { return top_out_.data(); }

  /// Register views (for tests and tracing).
  int16_t stationary(int r, int c) const { return stat_[idx(r, c)]; }
  /// Horizontally moving operand register (WS/IS: activation or weight; OS: activation).
  int16_t operand(int r, int c) const { return hor_[size_t(r) * size_t(hor_stride_) + size_t(hor_base_ + c)]; }
  /// Vertically moving weight register (OS only).
  int16_t vertical(int r, int c) const { return ver_[size_t(ver_base_ + r) * size_t(stride_) + size_t(c)]; }
  /// Partial sum (WS/IS) or accumulator (OS) register.
  int32_t psum(int r, int c) const { return psum_[size_t(psum_base_ + r) * size_t(stride_) + size_t(c)]; }

  const ArrayStats& stats() const { return stats_; }
  void reset_stats() { stats_.reset(); }

 private:
  size_t idx(int r, int c) const { return size_t(r) * size_t(stride_) + size_t(c); }
  void step_load();
  void step_stream();
  void step_os_compute();
  void step_os_drain();

  void count_edges(int64_t n);  // stats of n edges in the current mode

  int rows_, cols_;
  int mapped_rows_, mapped_cols_;
  int stride_;  // elements per row of stat_, ver_ and psum_: cols_ rounded up to 16 (64-byte int32 rows)
  ArrayMode mode_ = ArrayMode::Idle;
  // Operand registers one column right: moves the window base only. Column 0 (left_in) is written
  // by the row loop after the row is computed (the vector kernels take columns 0 and 1 from
  // left_ / left_prev_, so they never load a register just written by a narrow store).
  void shift_operands();
  void shift_verticals();  // vertical registers one row down, top_in into row 0

  template <class T>
  using Rows = std::vector<T, CacheLineAllocator<T>>;
  Rows<int16_t> stat_;  // stationary operand registers
  // Shift-register chains stored as sliding windows: row r's operand registers (columns 0..C-1)
  // are hor_[r * hor_stride_ + hor_base_ ..]; a shift right moves the window base one element
  // left and left_in is written at the new column 0, so no register value is copied per cycle.
  // When the base reaches 0 the windows are moved back to the far end (every `slack` cycles).
  Rows<int16_t> hor_;
  int hor_stride_ = 0, hor_base_ = 0, hor_slack_ = 0;
  // OS vertical weight registers, the same way along rows: row r is ver_[(ver_base_ + r) * C ..].
  Rows<int16_t> ver_;
  int ver_base_ = 0, ver_slack_ = 0;
  // Partial sums / accumulators: row r is psum_[(psum_base_ + r) * C ..]. In Stream mode the
  // downward shift moves the window base one row up, so each PE's new sum lands in place of its
  // upper neighbour's old one (read and written once, no copy).
  Rows<int32_t> psum_;
  int psum_base_ = 0, psum_slack_ = 0;
  std::vector<int16_t> left_, top_;
  std::vector<int16_t> left_prev_;  // left_in of the previous operand shift (= column 1 now)
  std::vector<int32_t> top_out_;
  ArrayStats stats_;
};

}  // namespace lvsim
