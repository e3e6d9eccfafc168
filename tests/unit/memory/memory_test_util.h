// Helpers of the memory tests: small networks for the weight SRAM (only the weight tensors matter
// to the memory) and an independent oracle of the normal failure model.
#pragma once

#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include <string>

#include "common/rng.h"
#include "memory/weight_layout.h"
#include "workloads/network/network.h"

namespace lvsim::test {

/// One linear layer per (bits, count) entry with random m-bit patterns; count 0 makes a relu.
inline Network make_weight_net(const std::vector<std::pair<int, int64_t>>& layers, uint64_t seed) {
  Network net;
  net.name = "memtest";
  SplitMix64 rng(seed);
  for (const auto& [bits, count] : layers) {
    Layer l;
    if (count == 0) {
      l.type = LayerType::Relu;
    } else {
      l.type = LayerType::Linear;
      l.weight.bits = bits;
      l.weight.stored.resize(size_t(count));
      for (auto& p : l.weight.stored) p = uint8_t(rng.next() & ((1u << bits) - 1));
    }
    net.layers.push_back(std::move(l));
  }
  return net;
}

/// P(X > v) for X ~ Normal(mean, sigma) by Simpson integration of the density: independent of
/// the erfc the code under test uses.
inline double upper_tail_by_integration(double v, double mean, double sigma) {
  const double a = v, b = mean + 15.0 * sigma;
  if (a >= b) return 0.0;
  const int n = 200000;  // even
  const double h = (b - a) / n;
  auto pdf = [&](double x) {
    const double z = (x - mean) / sigma;
    return std::exp(-0.5 * z * z) / (sigma * std::sqrt(2.0 * M_PI));
  };
  double s = pdf(a) + pdf(b);
  for (int i = 1; i < n; ++i) s += pdf(a + i * h) * (i % 2 ? 4.0 : 2.0);
  return s * h / 3.0;
}

}  // namespace lvsim::test

namespace Catch {
template <>
struct StringMaker<lvsim::WeightLocation> {
  static std::string convert(const lvsim::WeightLocation& l) {
    return "{bank " + std::to_string(l.bank) + ", row " + std::to_string(l.row) + ", bit " + std::to_string(l.bit) +
           "}";
  }
};
template <>
struct StringMaker<lvsim::WordAddress> {
  static std::string convert(const lvsim::WordAddress& a) {
    return "{bank " + std::to_string(a.bank) + ", row " + std::to_string(a.row) + "}";
  }
};
}  // namespace Catch
