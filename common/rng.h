// Seeded, counter-based randomness. Every random choice in lvsim derives from a user seed through
// these functions, so results never depend on thread count, process count or call order: a
// stream is identified by (seed, purpose, index) rather than by how many numbers were drawn before.
#pragma once

#include <cstdint>

namespace lvsim {

/// SplitMix64 finaliser: a bijective 64-bit mix with good avalanche.
constexpr uint64_t mix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

/// Derives an independent stream key from a parent key and a label (purpose, bank, layer...).
constexpr uint64_t derive_seed(uint64_t parent, uint64_t label) {
  return mix64(parent ^ mix64(label + 0x632BE59BD9B4E019ull));
}

/// A small sequential generator (SplitMix64) for one stream; cheap to create per stream.
class SplitMix64 {
 public:
  explicit constexpr SplitMix64(uint64_t seed) : state_(seed) {}
  constexpr uint64_t next() {
    state_ += 0x9E3779B97F4A7C15ull;
    uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, 1) with 53 random bits.
  double uniform() { return double(next() >> 11) * 0x1.0p-53; }
  /// Uniform in (0, 1]: safe for log().
  double uniform_open0() { return (double(next() >> 11) + 1.0) * 0x1.0p-53; }

 private:
  uint64_t state_;
};

}  // namespace lvsim
