// Synthetic single-layer networks with random shapes and weights for the models tests.
#pragma once

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <vector>

#include "common/rng.h"
#include "memory/weight_memory.h"
#include "models/controller.h"
#include "models/timing_model.h"
#include "workloads/inference/reference_inference.h"
#include "workloads/network/network.h"
#include "workloads/network/quantization.h"

namespace lvsim::test {

inline int uniform_int(SplitMix64& r, int lo, int hi) {
  return lo + int(r.next() % uint64_t(hi - lo + 1));
}

/// A rows x cols array in dataflow df with a random weight-SRAM geometry (banks, word bits, read
/// ports), 1-8 post-processing lanes and buffers large enough for any test layer.
inline ArchitectureParams random_sram_arch(int rows, int cols, Dataflow df, SplitMix64& r) {
  ArchitectureParams a;
  a.name = "test";
  a.rows = rows;
  a.cols = cols;
  a.dataflow = df;
  const int banks[] = {1, 2, 3, 4, 16};
  const int words[] = {8, 16, 32, 64, 24};
  a.weight_sram.banks = banks[r.next() % 5];
  a.weight_sram.word_bits = words[r.next() % 5];
  a.weight_sram.read_ports_per_bank = 1 + int(r.next() % 2);
  a.weight_sram.rows_per_bank = 1 << 16;
  a.post_processing_lanes = 1 + int(r.next() % 8);
  a.input_buffer_bytes = a.output_buffer_bytes = 1 << 24;
  return a;
}

struct ConvShape {
  bool linear = false;
  int cin = 1, h = 1, w = 1, cout = 1, kh = 1, kw = 1, sh = 1, sw = 1, ph = 0, pw = 0, groups = 1;
};

/// A random conv2d (or linear) shape, small enough for a cycle-level run.
inline ConvShape random_shape(SplitMix64& r) {
  ConvShape s;
  s.linear = r.next() % 4 == 0;
  if (s.linear) {
    s.cin = uniform_int(r, 1, 70);
    s.cout = uniform_int(r, 1, 23);
    return s;
  }
  s.groups = r.next() % 4 == 0 ? uniform_int(r, 2, 3) : 1;
  s.cin = s.groups * uniform_int(r, 1, 4);
  s.cout = s.groups * uniform_int(r, 1, 7);
  s.kh = uniform_int(r, 1, 3);
  s.kw = uniform_int(r, 1, 3);
  s.sh = uniform_int(r, 1, 2);
  s.sw = uniform_int(r, 1, 2);
  s.ph = uniform_int(r, 0, s.kh / 2);
  s.pw = uniform_int(r, 0, s.kw / 2);
  s.h = uniform_int(r, s.kh, 8);
  s.w = uniform_int(r, s.kw, 8);
  return s;
}

/// A one-layer network with random m-bit weights (random storage, per-channel zero points and
/// scales), random int32 biases, and requantization spreading the outputs over the code range.
inline Network make_layer_network(const ConvShape& s, int bits, uint64_t seed) {
  SplitMix64 r(seed);
  Network net;
  net.name = "synthetic";
  net.input_shape = Shape{s.cin, s.h, s.w};
  net.input_quant = ActivationQuant{0.02, uniform_int(r, 0, 255)};
  net.preprocess.mean.assign(size_t(s.cin), 0.5);
  net.preprocess.std.assign(size_t(s.cin), 0.25);
  derive_preprocess(net.preprocess, net.input_quant);
  Layer L;
  L.name = s.linear ? "fc" : "conv";
  L.type = s.linear ? LayerType::Linear : LayerType::Conv2d;
  L.inputs = {-1};
  L.in_quant = net.input_quant;
  L.out_quant = ActivationQuant{0.05, uniform_int(r, 0, 255)};
  L.out_channels = s.cout;
  if (s.linear) {
    L.in_shape = Shape{s.cin * s.h * s.w, 1, 1};
    L.out_shape = Shape{s.cout, 1, 1};
  } else {
    L.in_shape = net.input_shape;
    L.kernel_h = s.kh, L.kernel_w = s.kw, L.stride_h = s.sh, L.stride_w = s.sw, L.pad_h = s.ph, L.pad_w = s.pw;
    L.groups = s.groups;
    L.out_shape = Shape{s.cout, (s.h + 2 * s.ph - s.kh) / s.sh + 1, (s.w + 2 * s.pw - s.kw) / s.sw + 1};
  }
  WeightTensor& W = L.weight;
  W.bits = bits;
  W.storage = r.next() % 2 ? WeightStorage::Unsigned : WeightStorage::TwosComplement;
  W.per_channel = true;
  W.out_channels = s.cout;
  W.per_out = int64_t(L.in_shape.c / L.groups) * L.kernel_h * L.kernel_w;
  W.stored.resize(size_t(W.out_channels * W.per_out));
  for (auto& p : W.stored) p = uint8_t(r.next() & ((1u << bits) - 1));
  const int lo = W.storage == WeightStorage::Unsigned ? 0 : -(1 << (bits - 1));
  const int hi = W.storage == WeightStorage::Unsigned ? (1 << bits) - 1 : (1 << (bits - 1)) - 1;
  for (int o = 0; o < s.cout; ++o) {
    W.scale.push_back(0.001 * (1 + int(r.next() % 8)));
    W.zero_point.push_back(uniform_int(r, lo, hi));
    L.bias.push_back(int32_t(r.next() % 20001) - 10000);
  }
  // Accumulators are about sqrt(K) * 2^bits * 128 in magnitude: scale them into ~[-100, 100].
  const double spread = std::sqrt(double(W.per_out)) * double(1 << bits) * 64.0;
  for (int o = 0; o < s.cout; ++o) L.requant.push_back(make_requant(100.0 / spread * (1.0 + 0.1 * o)));
  net.layers.push_back(L);
  net.output = 0;
  return net;
}

inline std::vector<uint8_t> random_input(const Network& net, uint64_t seed) {
  SplitMix64 r(seed);
  std::vector<uint8_t> in(size_t(net.input_shape.size()));
  for (auto& v : in) v = uint8_t(r.next());
  return in;
}

/// Accumulators [o][m] (bias not added) by the definition, with its own direct convolution loop.
inline std::vector<int32_t> direct_accumulators(const Network& net, const std::vector<uint8_t>& in) {
  const Layer& L = net.layers[0];
  const WeightTensor& W = L.weight;
  const int cin_g = L.in_shape.c / L.groups, cout_g = L.out_channels / L.groups;
  const int za = L.in_quant.zero_point;
  std::vector<int32_t> acc(size_t(L.out_shape.size()));
  for (int o = 0; o < L.out_channels; ++o)
    for (int y = 0; y < L.out_shape.h; ++y)
      for (int x = 0; x < L.out_shape.w; ++x) {
        int64_t sum = 0;
        for (int c = 0; c < cin_g; ++c)
          for (int ky = 0; ky < L.kernel_h; ++ky)
            for (int kx = 0; kx < L.kernel_w; ++kx) {
              const int iy = y * L.stride_h - L.pad_h + ky, ix = x * L.stride_w - L.pad_w + kx;
              if (iy < 0 || ix < 0 || iy >= L.in_shape.h || ix >= L.in_shape.w) continue;
              const int ci = (o / cout_g) * cin_g + c;
              const int64_t wi = (int64_t(o) * cin_g + c) * L.kernel_h * L.kernel_w + ky * L.kernel_w + kx;
              sum += int64_t(W.decode(W.stored[size_t(wi)]) - W.zero_point[size_t(o)]) *
                     (in[size_t((int64_t(ci) * L.in_shape.h + iy) * L.in_shape.w + ix)] - za);
            }
        acc[size_t((int64_t(o) * L.out_shape.h + y) * L.out_shape.w + x)] = int32_t(sum);
      }
  return acc;
}

/// A small network exercising every layer type: conv -> relu -> add(conv, relu) -> maxpool (padded)
/// -> avgpool -> flatten -> linear, with random weights.
inline Network make_mini_network(uint64_t seed) {
  ConvShape cs;
  cs.cin = 3, cs.h = 9, cs.w = 9, cs.cout = 6, cs.kh = 3, cs.kw = 3, cs.ph = 1, cs.pw = 1;
  Network net = make_layer_network(cs, 8, seed);
  net.input_quant = net.layers[0].in_quant;
  const Layer conv = net.layers[0];
  Layer relu;
  relu.name = "relu";
  relu.type = LayerType::Relu;
  relu.inputs = {0};
  relu.in_shape = relu.out_shape = conv.out_shape;
  relu.in_quant = relu.out_quant = conv.out_quant;
  net.layers.push_back(relu);
  Layer add;
  add.name = "add";
  add.type = LayerType::Add;
  add.inputs = {0, 1};
  add.in_shape = add.out_shape = conv.out_shape;
  add.in_quant = conv.out_quant;
  add.out_quant = ActivationQuant{0.08, 20};
  make_add_requant({conv.out_quant, relu.out_quant}, add.out_quant, add.add_multiplier, add.add_shift);
  net.layers.push_back(add);
  Layer mp;
  mp.name = "maxpool";
  mp.type = LayerType::MaxPool2d;
  mp.inputs = {2};
  mp.in_shape = add.out_shape;
  mp.kernel_h = mp.kernel_w = 3, mp.stride_h = mp.stride_w = 2, mp.pad_h = mp.pad_w = 1;
  mp.out_shape = Shape{6, 5, 5};
  mp.in_quant = mp.out_quant = add.out_quant;
  net.layers.push_back(mp);
  Layer ap;
  ap.name = "avgpool";
  ap.type = LayerType::AvgPool2d;
  ap.inputs = {3};
  ap.in_shape = mp.out_shape;
  ap.kernel_h = ap.kernel_w = 2, ap.stride_h = ap.stride_w = 1;
  ap.out_shape = Shape{6, 4, 4};
  ap.in_quant = ap.out_quant = mp.out_quant;
  net.layers.push_back(ap);
  Layer fl;
  fl.name = "flatten";
  fl.type = LayerType::Flatten;
  fl.inputs = {4};
  fl.in_shape = ap.out_shape;
  fl.out_shape = Shape{96, 1, 1};
  fl.in_quant = fl.out_quant = ap.out_quant;
  net.layers.push_back(fl);
  ConvShape ls;
  ls.linear = true, ls.cin = 96, ls.cout = 10;
  Layer fc = make_layer_network(ls, 5, derive_seed(seed, 7)).layers[0];
  fc.inputs = {5};
  fc.in_quant = fl.out_quant;
  net.layers.push_back(fc);
  net.output = int(net.layers.size()) - 1;
  return net;
}

/// The m-bit pattern that decodes to weight `index`'s filter zero point (a zero weight operand).
inline uint8_t zero_weight_pattern(const WeightTensor& W, int64_t index) {
  return uint8_t(uint32_t(W.zero_point[size_t(index / W.per_out)]) & ((1u << W.bits) - 1));
}

/// Zero-operand MACs by walking the im2col matrix entry by entry (C x H x W input) against every
/// filter of the entry's group: a MAC is gated when its activation falls into the padding or
/// equals the input zero point, or when its weight (pattern decoded) equals the filter's weight
/// zero point. `patterns`: the weights as read (default: the stored ones). Independent of
/// workloads/zero_operands.
inline int64_t brute_force_zero_operand_macs(const Layer& L, const std::vector<uint8_t>& in,
                                             const std::vector<uint8_t>* patterns = nullptr) {
  if (!L.has_weights()) return 0;
  const std::vector<uint8_t>& pat = patterns ? *patterns : L.weight.stored;
  const Shape is = L.in_shape, os = L.out_shape;
  const int cin_g = is.c / L.groups, n = L.out_channels / L.groups;
  int64_t gated = 0;
  for (int g = 0; g < L.groups; ++g)
    for (int y = 0; y < os.h; ++y)
      for (int x = 0; x < os.w; ++x)
        for (int c = 0; c < cin_g; ++c)
          for (int ky = 0; ky < L.kernel_h; ++ky)
            for (int kx = 0; kx < L.kernel_w; ++kx) {
              const int iy = y * L.stride_h - L.pad_h + ky, ix = x * L.stride_w - L.pad_w + kx;
              const bool pad = iy < 0 || iy >= is.h || ix < 0 || ix >= is.w;
              const bool zero_a =
                  pad || in[size_t((int64_t(g * cin_g + c) * is.h + iy) * is.w + ix)] == L.in_quant.zero_point;
              for (int j = 0; j < n; ++j) {
                const int o = g * n + j;
                const size_t w = size_t((int64_t(o) * cin_g + c) * L.kernel_h * L.kernel_w + ky * L.kernel_w + kx);
                gated += zero_a || L.weight.decode(pat[w]) == L.weight.zero_point[size_t(o)];
              }
            }
  return gated;
}

/// Sets about `fraction` of layer `L`'s weights to their filter's zero point (pruned weights),
/// so zero weight operands are common at any bit width.
inline void prune_weights(Layer& L, double fraction, uint64_t seed) {
  SplitMix64 r(seed);
  WeightTensor& W = L.weight;
  for (size_t i = 0; i < W.stored.size(); ++i)
    if (double(r.next() % 1000) < fraction * 1000.0) W.stored[i] = zero_weight_pattern(W, int64_t(i));
}

/// The closed form plus the data-dependent count, the latter by brute force on `in`.
inline LayerTiming expected_timing(const ArchitectureParams& arch, const Network& net, int layer,
                                   const std::vector<uint8_t>& in) {
  LayerTiming t = layer_timing(arch, net, layer);
  const Layer& L = net.layers[size_t(layer)];
  if (L.has_weights())
    t.counts.zero_operand_macs_by_weight_bits[size_t(L.weight.bits)] = brute_force_zero_operand_macs(L, in);
  return t;
}

/// Runs one layer on the controller cycle by cycle (no stream batching, so every per-cycle path
/// runs), checking the array's own cycle count; `accumulators` receives the output buffer.
inline LayerRun run_layer_per_cycle(const ArchitectureParams& arch, const Network& net, int layer,
                                    const std::vector<const std::vector<uint8_t>*>& ins, WeightMemory& wm,
                                    std::vector<int32_t>* accumulators = nullptr) {
  SystolicArray array(arch.rows, arch.cols);
  PostProcessingUnit post(arch.post_processing_lanes);
  Controller ctl(arch, array, wm, post);
  ctl.start_layer(net, layer, ins);
  while (ctl.busy()) {
    ctl.before_edge();
    array.step();
    ctl.after_edge();
  }
  if (accumulators) *accumulators = ctl.accumulators();
  LayerRun run = ctl.finish();
  CHECK(array.stats().cycles == run.cycles);
  return run;
}

/// Runs every layer of `net` with `run_one(layer, inputs)` (a controller run), each on the outputs
/// the controller produced for the layers before it, and checks each output against the golden
/// engine on the stored weights and each timing against the closed form with brute-force zero operands.
template <class RunOne>
void check_every_layer(const ArchitectureParams& arch, const Network& net, const std::vector<uint8_t>& in,
                       RunOne run_one) {
  std::vector<std::vector<uint8_t>> outs(net.layers.size());
  for (size_t l = 0; l < net.layers.size(); ++l) {
    std::vector<const std::vector<uint8_t>*> ins;
    for (int src : net.layers[l].inputs) ins.push_back(src < 0 ? &in : &outs[size_t(src)]);
    const LayerRun run = run_one(int(l), ins);
    INFO("layer " << net.layers[l].name << " dataflow " << dataflow_name(arch.dataflow));
    CHECK(run.output == run_layer(net, int(l), ins, net.layers[l].weight.stored));
    CHECK(run.timing == expected_timing(arch, net, int(l), *ins[0]));
    outs[l] = run.output;
  }
}

}  // namespace lvsim::test
