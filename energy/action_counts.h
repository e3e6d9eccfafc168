// Named hardware actions counted by the simulator's components. Energy is computed afterwards
// from these counts (counts x per-action energy at the domain voltage + leakage x time), so one
// run can be re-costed at another voltage. The cycle-level model counts them event by event; the
// fast path derives the same numbers from the closed form.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace lvsim {

struct ActionCounts {
  // Array (logic domain)
  std::array<int64_t, 9> macs_by_weight_bits{};  // index m = 2..8: m-bit weight x 8-bit activation MACs
  // The subset of those MACs whose activation operand (a - z_in, padding included) is zero: with
  // zero-operand gating their multiplier and adder do not toggle.
  std::array<int64_t, 9> zero_operand_macs_by_weight_bits{};
  // PE registers (16-bit operands, 32-bit partial sums; 64 bits per PE): bits captured by the
  // registers of mapped PEs doing array work, and bit-clock edges without new data (PEs outside
  // the fold's rows x cols, registers a mode does not update, every PE in stall/post cycles).
  // With PE clock gating only the first are clocked; without it both are.
  int64_t pe_register_bits_written = 0;
  int64_t pe_register_bits_idle = 0;
  int64_t pe_hops = 0;  // values moved between neighbouring mapped PEs (one per hop)
  // Weight SRAM (SRAM domain)
  int64_t weight_sram_reads = 0;   // word reads
  int64_t weight_sram_writes = 0;  // word writes (initial weight load)
  int64_t ecc_decodes = 0;         // SECDED decodes (one per protected word read)
  int64_t ecc_encodes = 0;         // SECDED encodes (one per protected word write)
  // Activation/output buffers (logic domain), in bytes
  int64_t input_buffer_reads = 0;
  int64_t input_buffer_writes = 0;
  int64_t output_buffer_reads = 0;
  int64_t output_buffer_writes = 0;
  // Post-processing unit: requantization, relu, pooling, residual adds (one per output element op)
  int64_t post_ops = 0;
  // Group normalization in the post-processing unit: per input code of the statistics pass (x and
  // x^2 accumulated), one reciprocal square root per group and image, per output element of the
  // normalization pass (normalize, scale and shift, requantize; instead of a post_op).
  int64_t norm_stat_ops = 0;
  int64_t rsqrt_ops = 0;
  int64_t norm_ops = 0;
  // Off-chip traffic: input images read, results written (per inference), weights read (model load)
  int64_t dram_bytes = 0;
  // Time
  int64_t cycles = 0;

  int64_t macs() const {
    int64_t s = 0;
    for (auto v : macs_by_weight_bits) s += v;
    return s;
  }
  int64_t zero_operand_macs() const {
    int64_t s = 0;
    for (auto v : zero_operand_macs_by_weight_bits) s += v;
    return s;
  }
  /// The counts of `n` repetitions of the same work (e.g. n images of one layer).
  ActionCounts scaled(int64_t n) const {
    ActionCounts r = *this;
    for_each_pair(r, r, [n](int64_t& x, int64_t) { x *= n; });
    return r;
  }
  ActionCounts& operator+=(const ActionCounts& o) {
    for_each_pair(*this, o, [](int64_t& x, int64_t y) { x += y; });
    return *this;
  }
  bool operator==(const ActionCounts&) const = default;

 private:
  /// Applies f(field of a, same field of b) to every counter: the one list of the fields.
  template <class F>
  static void for_each_pair(ActionCounts& a, const ActionCounts& b, F f) {
    for (std::size_t i = 0; i < a.macs_by_weight_bits.size(); ++i) {
      f(a.macs_by_weight_bits[i], b.macs_by_weight_bits[i]);
      f(a.zero_operand_macs_by_weight_bits[i], b.zero_operand_macs_by_weight_bits[i]);
    }
    f(a.pe_register_bits_written, b.pe_register_bits_written);
    f(a.pe_register_bits_idle, b.pe_register_bits_idle);
    f(a.pe_hops, b.pe_hops);
    f(a.weight_sram_reads, b.weight_sram_reads);
    f(a.weight_sram_writes, b.weight_sram_writes);
    f(a.ecc_decodes, b.ecc_decodes);
    f(a.ecc_encodes, b.ecc_encodes);
    f(a.input_buffer_reads, b.input_buffer_reads);
    f(a.input_buffer_writes, b.input_buffer_writes);
    f(a.output_buffer_reads, b.output_buffer_reads);
    f(a.output_buffer_writes, b.output_buffer_writes);
    f(a.post_ops, b.post_ops);
    f(a.norm_stat_ops, b.norm_stat_ops);
    f(a.rsqrt_ops, b.rsqrt_ops);
    f(a.norm_ops, b.norm_ops);
    f(a.dram_bytes, b.dram_bytes);
    f(a.cycles, b.cycles);
  }
};

}  // namespace lvsim
