// Geometry and protection of the weight SRAM: banks x rows_per_bank words of word_bits data bits,
// optionally with SECDED check bits stored beside each word in the same (faulty) bit-cell array.
#pragma once

#include <cstdint>
#include <string>

#include "common/json_reader.h"

namespace lvsim {

/// Words of weight SRAM lvsim simulates at most (every word is held in host memory): 1 GiB of
/// 64-bit words.
inline constexpr int64_t kMaxWeightSramWords = int64_t(1) << 27;

/// Immutable weight-SRAM parameters (from the architecture file's weight SRAM object).
struct WeightSramParams {
  int banks = 16;                               // number of weight SRAM banks (>= 1)
  int64_t rows_per_bank = 4096;                 // words per bank
  int word_bits = 64;                           // data bits per word, 8..64 (with secded: 8, 16, 32 or 64)
  std::string ecc = "none";                     // "none" | "secded": SECDED check bits stored in the same faulty array
  std::string on_double_error = "use_as_read";  // "use_as_read" | "zero_word" (only with secded)
  int read_ports_per_bank = 1;                  // words a bank can deliver per cycle
  // Set from the architecture's dram.weights (not a weight_sram key): false = "resident", the whole
  // network is loaded once and must fit; true = "streamed", each layer's weights pass through the
  // SRAM as a ring buffer (global word w in physical word w mod words(); docs/architecture.md).
  bool streamed = false;

  /// Reads and validates the object (keys: banks, rows_per_bank, word_bits, ecc, on_double_error,
  /// read_ports_per_bank); rejects unknown keys.
  static WeightSramParams from_json(JsonObject& o);
  /// ConfigError (located at `file`/`path`) when the values are out of range or inconsistent.
  void validate(const std::string& file = "weight SRAM", const std::string& path = "") const;

  bool secded() const { return ecc == "secded"; }
  bool zero_on_double_error() const { return on_double_error == "zero_word"; }
  /// 0, or SECDED check bits for word_bits (8->5, 16->6, 32->7, 64->8).
  int check_bits() const;
  /// Cells per word: data plus check bits.
  int stored_bits_per_word() const { return word_bits + check_bits(); }
  int64_t words() const { return int64_t(banks) * rows_per_bank; }
  /// Data bits (what weights can occupy).
  int64_t capacity_bits() const { return words() * word_bits; }
  /// All bit cells, check bits included (what a fault map must cover).
  int64_t cell_count() const { return words() * stored_bits_per_word(); }
  /// ECC storage overhead: check_bits / word_bits (0 without ECC).
  double ecc_overhead() const { return double(check_bits()) / word_bits; }
};

}  // namespace lvsim
