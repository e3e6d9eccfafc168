// The golden integer inference: a plain C++ engine that runs a quantized network exactly as the
// hardware does (docs/quantization.md). It is the oracle every hardware path (SystemC cycle mode,
// fast path) must match bit for bit. Deliberately simple loops: clarity over speed.
#pragma once

#include <cstdint>
#include <vector>

#include "workloads/network/network.h"

namespace lvsim {

/// Weight patterns per layer (index = layer index; empty for layers without weights). Lets a
/// caller run the network on weights as read back from a (faulty) SRAM instead of the stored ones.
using LayerWeights = std::vector<std::vector<uint8_t>>;

/// The network's own stored weight patterns, in LayerWeights form.
LayerWeights stored_weights(const Network& net);

/// Input codes of one image (C x H x W raw pixels) after integer preprocessing.
std::vector<uint8_t> preprocess_image(const Network& net, const uint8_t* pixels);

/// Output codes of one layer, given the output codes of its inputs (in Layer::inputs order) and
/// the weight patterns to use (ignored for layers without weights).
std::vector<uint8_t> run_layer(const Network& net, int layer, const std::vector<const std::vector<uint8_t>*>& inputs,
                               const std::vector<uint8_t>& weight_patterns);

/// 32-bit accumulators (bias included, before requantization) of a conv/linear layer, [o][y][x].
std::vector<int32_t> layer_accumulators(const Network& net, int layer, const std::vector<uint8_t>& input,
                                        const std::vector<uint8_t>& weight_patterns);

/// Outputs of every layer for one image (index = layer index).
std::vector<std::vector<uint8_t>> run_all_layers(const Network& net, const uint8_t* pixels,
                                                 const LayerWeights& weights);

/// Index of the largest output code (the first on ties).
int argmax_class(const std::vector<uint8_t>& scores);

/// Predicted class of each of `count` images (pixels: count consecutive C x H x W images),
/// multithreaded over images; the result does not depend on `threads`.
std::vector<int> predict(const Network& net, const uint8_t* pixels, int64_t count, const LayerWeights& weights,
                         int threads);

}  // namespace lvsim
