// Small networks for the weight SRAM tests: only the weight tensors matter to the memory.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include <string>

#include "common/rng.h"
#include "memory/weight_layout.h"
#include "workloads/network.h"

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
