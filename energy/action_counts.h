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
  int64_t pe_register_writes = 0;                // operand/partial-sum register updates inside PEs
  int64_t pe_hops = 0;                           // values moved between neighbouring PEs (one per hop)
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
  // Off-chip traffic
  int64_t dram_bytes = 0;
  // Time
  int64_t cycles = 0;

  int64_t macs() const {
    int64_t s = 0;
    for (auto v : macs_by_weight_bits) s += v;
    return s;
  }
  ActionCounts& operator+=(const ActionCounts& o) {
    for (std::size_t i = 0; i < macs_by_weight_bits.size(); ++i) macs_by_weight_bits[i] += o.macs_by_weight_bits[i];
    pe_register_writes += o.pe_register_writes;
    pe_hops += o.pe_hops;
    weight_sram_reads += o.weight_sram_reads;
    weight_sram_writes += o.weight_sram_writes;
    ecc_decodes += o.ecc_decodes;
    ecc_encodes += o.ecc_encodes;
    input_buffer_reads += o.input_buffer_reads;
    input_buffer_writes += o.input_buffer_writes;
    output_buffer_reads += o.output_buffer_reads;
    output_buffer_writes += o.output_buffer_writes;
    post_ops += o.post_ops;
    dram_bytes += o.dram_bytes;
    cycles += o.cycles;
    return *this;
  }
  bool operator==(const ActionCounts&) const = default;
};

}  // namespace lvsim
