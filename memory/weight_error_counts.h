// What the weight SRAM's faults did to the weights the array received: one set of counters, one
// list of their names. The weight memory counts them per read context (DeliveredWeightErrors), a
// run reports them (FaultReport), a study point records them (PointRecord); each embeds this struct
// and the JSON, CSV and journal writers walk for_each_count.
#pragma once

#include <array>
#include <cstdint>

namespace lvsim {

/// Weight bits delivered wrong and the SECDED outcome of the faulty words (plain counters).
struct WeightErrorCounts {
  int64_t bit_errors = 0;            // weight bits delivered wrong by the persistent faults (after ECC)
  int64_t weights_changed = 0;       // weights with at least one such bit
  int64_t ecc_corrected = 0;         // words SECDED corrected (a data or a check bit)
  int64_t ecc_detected = 0;          // words with a detected uncorrectable (double) error
  int64_t ecc_silent = 0;            // words decoded to other data without detection (known from the clean copy)
  int64_t transient_bit_errors = 0;  // weight bits the transient flips changed on top of the persistent value

  bool operator==(const WeightErrorCounts&) const = default;

  /// f(name, member pointer) for every counter: the one list of the fields and their output names.
  template <class F>
  static void for_each_count(F&& f) {
    f("bit_errors", &WeightErrorCounts::bit_errors);
    f("weights_changed", &WeightErrorCounts::weights_changed);
    f("ecc_corrected", &WeightErrorCounts::ecc_corrected);
    f("ecc_detected", &WeightErrorCounts::ecc_detected);
    f("ecc_silent", &WeightErrorCounts::ecc_silent);
    f("transient_bit_errors", &WeightErrorCounts::transient_bit_errors);
  }
  /// The counters of this struct (a reference to the embedded part of a larger record).
  WeightErrorCounts& error_counts() { return *this; }
  const WeightErrorCounts& error_counts() const { return *this; }
  WeightErrorCounts& operator-=(const WeightErrorCounts& o) {
    for_each_count([&](const char*, int64_t WeightErrorCounts::*m) { this->*m -= o.*m; });
    return *this;
  }
};

/// The error counters of reading every stored weight once, with what was read: the weight bits
/// stored and the bit errors by bit position (weights_as_read fills it; a run's FaultReport embeds it).
struct WeightReadCounts : WeightErrorCounts {
  int64_t bits_stored = 0;                     // weight bits actually holding weights
  std::array<int64_t, 8> bit_errors_by_bit{};  // bit_errors by bit, LSB .. MSB of the weight patterns
};

}  // namespace lvsim
