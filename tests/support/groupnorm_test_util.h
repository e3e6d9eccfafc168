// Random single-groupnorm networks for the groupnorm tests (workloads and models).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "workloads/network/network.h"

namespace lvsim::gn_test {

inline double uniform(std::mt19937_64& rng, double lo, double hi) {
  return std::uniform_real_distribution<double>(lo, hi)(rng);
}
inline int pick(std::mt19937_64& rng, int lo, int hi) {
  return std::uniform_int_distribution<int>(lo, hi)(rng);
}

/// A one-layer network: a groupnorm over the network input with random groups, shape, input and
/// output quantization, parameter bits/storage/codes/scales/zero points, gamma_offset and eps
/// (not finalized).
inline Network random_groupnorm_net(std::mt19937_64& rng) {
  Layer L;
  L.name = "gn";
  L.type = LayerType::GroupNorm;
  L.inputs = {-1};
  L.groups = pick(rng, 1, 4);
  const int C = L.groups * pick(rng, 1, 4);
  L.in_shape = L.out_shape = Shape{C, pick(rng, 1, 7), pick(rng, 1, 7)};
  L.out_channels = C;
  L.in_quant = ActivationQuant{uniform(rng, 0.005, 0.1), pick(rng, 0, 255)};
  L.out_quant = ActivationQuant{uniform(rng, 0.02, 0.2), pick(rng, 40, 215)};
  L.out_quant_given = true;
  WeightTensor& W = L.weight;
  W.bits = pick(rng, 2, 8);
  W.storage = pick(rng, 0, 1) ? WeightStorage::Unsigned : WeightStorage::TwosComplement;
  W.per_channel = true;
  W.out_channels = 2;
  W.per_out = C;
  for (int i = 0; i < 2 * C; ++i) W.stored.push_back(uint8_t(pick(rng, 0, (1 << W.bits) - 1)));
  const double s_g = std::pow(10.0, uniform(rng, -3, -1));
  W.scale = {s_g, s_g * uniform(rng, 0.5, 2.0)};
  const int lo = W.storage == WeightStorage::Unsigned ? 0 : -(1 << (W.bits - 1));
  // Zero points in the code range, or (asymmetric ranges away from 0) beyond it.
  W.zero_point = {lo + pick(rng, -40, (1 << W.bits) + 40), lo + pick(rng, 0, (1 << W.bits) - 1)};
  const int kind = pick(rng, 0, 2);
  L.norm.gamma_offset = kind == 0 ? 0.0 : kind == 1 ? 1.0 : uniform(rng, -2.0, 2.0);
  L.norm.eps = std::pow(10.0, uniform(rng, -6, -1));
  Network net;
  net.name = "gn-test";
  net.input_shape = L.in_shape;
  net.input_quant = L.in_quant;
  net.input_quant_given = true;
  net.preprocess.mean.assign(size_t(C), 0.5);
  net.preprocess.std.assign(size_t(C), 0.25);
  net.layers.push_back(L);
  net.output = 0;
  return net;
}

/// Appends a relu and a second groupnorm (random parameters, its own groups) after layer 0.
inline void append_relu_and_groupnorm(Network& net, std::mt19937_64& rng) {
  const Layer first = net.layers[0];
  Layer relu;
  relu.name = "relu";
  relu.type = LayerType::Relu;
  relu.inputs = {0};
  relu.in_shape = relu.out_shape = first.out_shape;
  net.layers.push_back(relu);
  Network other = random_groupnorm_net(rng);
  Layer gn = other.layers[0];
  gn.name = "gn2";
  gn.inputs = {1};
  gn.groups = first.in_shape.c % 2 == 0 && pick(rng, 0, 1) ? 2 : 1;
  gn.in_shape = gn.out_shape = first.out_shape;
  gn.out_channels = first.out_shape.c;
  const int C = gn.out_channels;
  gn.weight.per_out = C;
  gn.weight.stored.resize(size_t(2 * C));
  for (auto& p : gn.weight.stored) p = uint8_t(pick(rng, 0, (1 << gn.weight.bits) - 1));
  net.layers.push_back(gn);
  net.output = 2;
}

/// Input codes of one image: uniform, or a narrow band (small variance), or constant groups.
inline std::vector<uint8_t> random_codes(std::mt19937_64& rng, const Shape& s, int kind) {
  std::vector<uint8_t> v(size_t(s.size()));
  const int centre = pick(rng, 0, 255), width = kind % 3 == 0 ? 255 : kind % 3 == 1 ? 6 : 0;
  for (auto& x : v) x = uint8_t(std::clamp(centre + pick(rng, -width, width), 0, 255));
  return v;
}

}  // namespace lvsim::gn_test
