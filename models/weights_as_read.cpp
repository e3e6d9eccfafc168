#include "models/weights_as_read.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <optional>
#include <stdexcept>

#include "common/parallel.h"
#include "workloads/inference/fast_inference.h"
#include "workloads/inference/zero_operands.h"

namespace lvsim {

LayerWeights read_all_weights(const Network& net, WeightMemory& wm, WeightReadCounts& fr) {
  LayerWeights w(net.layers.size());
  wm.stats().reset();
  // No image's transient flips: the read context of no layer (a memory with transient errors set
  // would otherwise apply the current context's flips to that layer's bulk read).
  wm.set_read_context(-1, -1);
  for (size_t l = 0; l < net.layers.size(); ++l) {
    if (!net.layers[l].has_parameters()) continue;
    if (!net.params_in_weight_sram(net.layers[l])) {  // the protected register file: no faults
      w[l] = net.layers[l].weight.stored;
      continue;
    }
    w[l] = wm.read_layer(int(l));
    const auto& stored = net.layers[l].weight.stored;
    fr.bits_stored += int64_t(stored.size()) * net.layers[l].weight.bits;
    for (size_t i = 0; i < stored.size(); ++i) {
      const unsigned diff = unsigned(stored[i] ^ w[l][i]);
      if (!diff) continue;
      ++fr.weights_changed;
      for (int b = 0; b < 8; ++b)
        if (diff & (1u << b)) {
          ++fr.bit_errors;
          ++fr.bit_errors_by_bit[size_t(b)];
        }
    }
  }
  fr.ecc_corrected = wm.stats().ecc_corrected;
  fr.ecc_detected = wm.stats().ecc_detected;
  fr.ecc_silent = wm.stats().ecc_silent;
  return w;
}

int first_changed_layer(const LayerWeights& a, const LayerWeights& b) {
  if (a.size() != b.size()) throw std::invalid_argument("first_changed_layer: different layer counts");
  for (size_t l = 0; l < a.size(); ++l)
    if (a[l] != b[l]) return int(l);
  return int(a.size());
}

std::vector<ActionCounts> zero_operand_counts(const Network& net, const std::vector<int64_t>& zero_macs) {
  std::vector<ActionCounts> counts(net.layers.size());
  for (size_t l = 0; l < net.layers.size() && l < zero_macs.size(); ++l)
    if (net.layers[l].has_weights())
      counts[l].zero_operand_macs_by_weight_bits[size_t(net.layers[l].weight.bits)] = zero_macs[l];
  return counts;
}

namespace {

using LayerZeroCounters = std::vector<std::optional<ZeroOperandCounter>>;

/// One zero-operand counter per conv/linear layer on weights `w` (golden layout: C x H x W inputs).
LayerZeroCounters zero_counters(const Network& net, const LayerWeights& w) {
  LayerZeroCounters z(net.layers.size());
  for (size_t l = 0; l < net.layers.size(); ++l)
    if (net.layers[l].has_weights()) z[l].emplace(net.layers[l], w[l].data(), net.layers[l].in_shape);
  return z;
}

/// Adds one image's zero-operand MACs and zero input codes per conv/linear layer, from the golden
/// layer outputs `outs`: the counters of the persistent weights, except for the layers this
/// image's changes touch, which are counted on its own weights `w`.
void add_zero_counts(const Network& net, const LayerZeroCounters& persistent, const LayerWeights& w,
                     const std::vector<WeightChange>& changes, const uint8_t* pixels,
                     const std::vector<std::vector<uint8_t>>& outs, LayerZeroCounts& zeros) {
  std::vector<uint8_t> input;
  for (size_t l = 0; l < net.layers.size(); ++l) {
    const Layer& L = net.layers[l];
    if (!L.has_weights()) continue;
    const int src = L.inputs[0];
    if (src < 0 && input.empty()) input = preprocess_image(net, pixels);
    const uint8_t* codes = src < 0 ? input.data() : outs[size_t(src)].data();
    const bool changed =
        std::any_of(changes.begin(), changes.end(), [&](const WeightChange& c) { return size_t(c.layer) == l; });
    zeros.operand_macs[l] += changed ? zero_operand_macs(L, w[l].data(), codes, CodeLayout::ChannelsFirst)
                                     : persistent[l]->count(codes, CodeLayout::ChannelsFirst);
    zeros.activation_codes[l] += count_zero_codes(codes, L.in_shape.size(), uint8_t(L.in_quant.zero_point));
  }
}

/// The golden engine over the test set, each image with its own weight changes (if any) patched
/// into a per-thread copy of `persistent`; zero-operand MACs per layer from the same pass.
std::vector<int> golden_predict(const Network& net, const LayerWeights& persistent, const Dataset& test,
                                const ImageWeightChanges& changes, int threads, LayerZeroCounts* zero_counts) {
  std::vector<int> pred(size_t(test.count));
  threads = int(std::clamp<int64_t>(threads, 1, std::max<int64_t>(test.count, 1)));
  std::vector<LayerZeroCounts> zeros(static_cast<size_t>(threads));
  for (LayerZeroCounts& z : zeros) z.reset(net.layers.size());
  std::atomic<int64_t> next{0};
  const LayerZeroCounters counters = zero_counts ? zero_counters(net, persistent) : LayerZeroCounters();
  auto work = [&](int t) {
    LayerWeights w = persistent;
    std::vector<WeightChange> ch;
    for (int64_t i = next++; i < test.count; i = next++) {
      ch.clear();
      if (changes) changes(i, ch);
      for (const WeightChange& c : ch) w[size_t(c.layer)][size_t(c.index)] = c.pattern;
      const std::vector<std::vector<uint8_t>> outs = run_all_layers(net, test.image(i), w);
      pred[size_t(i)] = argmax_class(outs[size_t(net.output)]);
      if (zero_counts) add_zero_counts(net, counters, w, ch, test.image(i), outs, zeros[size_t(t)]);
      for (const WeightChange& c : ch)
        w[size_t(c.layer)][size_t(c.index)] = persistent[size_t(c.layer)][size_t(c.index)];
    }
  };
  run_on_threads(threads, work);
  if (zero_counts) {
    zero_counts->reset(net.layers.size());
    for (const LayerZeroCounts& z : zeros) zero_counts->add(z);
  }
  return pred;
}

}  // namespace

std::vector<int> run_functional(RunMode mode, const Network& net, const LayerWeights& w, const Dataset& test,
                                int threads, LayerZeroCounts* zeros) {
  if (mode == RunMode::Golden) return golden_predict(net, w, test, nullptr, threads, zeros);
  FastInference engine(net, w);
  return engine.predict(test.pixels.data(), test.count, threads, nullptr, zeros);
}

void read_image_weights(const Network& net, WeightMemory& wm, int64_t image, const LayerWeights& persistent,
                        LayerWeights& w, WeightReadCounts& fr) {
  w.resize(net.layers.size());
  for (size_t l = 0; l < net.layers.size(); ++l) {
    if (!net.layers[l].has_parameters()) continue;
    if (!net.params_in_weight_sram(net.layers[l])) {
      w[l] = persistent[l];
      continue;
    }
    wm.set_read_context(image, int(l));
    wm.read_layer(int(l), w[l]);
    for (size_t k = 0; k < w[l].size(); ++k)
      fr.transient_bit_errors += std::popcount(unsigned(w[l][k] ^ persistent[l][k]));
  }
}

int64_t transient_weight_changes(const Network& net, const WeightMemory& wm, int64_t image,
                                 const LayerWeights& persistent, std::vector<WeightChange>& changes) {
  changes.clear();
  int64_t flipped = 0;
  std::vector<std::pair<int64_t, uint8_t>> layer_changes;
  for (size_t l = 0; l < net.layers.size(); ++l) {
    if (!net.params_in_weight_sram(net.layers[l])) continue;
    wm.transient_changes(image, int(l), persistent[l], layer_changes);
    for (const auto& [i, v] : layer_changes) {
      changes.push_back({int(l), i, v});
      flipped += std::popcount(unsigned(v ^ persistent[l][size_t(i)]));
    }
  }
  return flipped;
}

namespace {

// At high transient rates most weights change in every image: the fast engine's corrections (one
// pass over a layer's output positions per changed weight, held for a batch of images) then cost
// more time and memory than running each image on its own weights. The choice follows image 0's
// changes (a pure function of the seed); both routes give the same predictions and counts.
bool dense_transients(const Network& net, const WeightMemory& wm, const LayerWeights& persistent) {
  std::vector<WeightChange> ch;
  transient_weight_changes(net, wm, 0, persistent, ch);
  return int64_t(ch.size()) * 16 > net.total_weights();
}

// The fast engine on each image's own weights (the persistent ones with its transient changes),
// one image at a time per thread.
std::vector<int> fast_predict_per_image(const Network& net, const WeightMemory& wm, const LayerWeights& persistent,
                                        const Dataset& test, int threads, std::vector<int64_t>& flipped,
                                        LayerZeroCounts* zero_counts) {
  std::vector<int> pred(size_t(test.count));
  threads = int(std::clamp<int64_t>(threads, 1, std::max<int64_t>(test.count, 1)));
  std::vector<LayerZeroCounts> zeros(static_cast<size_t>(threads));
  for (LayerZeroCounts& z : zeros) z.reset(net.layers.size());
  std::atomic<int64_t> next{0};
  auto work = [&](int t) {
    LayerWeights w = persistent;
    std::vector<WeightChange> ch;
    LayerZeroCounts z;
    for (int64_t i = next++; i < test.count; i = next++) {
      flipped[size_t(i)] = transient_weight_changes(net, wm, i, persistent, ch);
      for (const WeightChange& c : ch) w[size_t(c.layer)][size_t(c.index)] = c.pattern;
      const FastInference engine(net, w);
      z.reset(net.layers.size());  // predict adds to it
      pred[size_t(i)] = engine.predict(test.image(i), 1, 1, nullptr, zero_counts ? &z : nullptr)[0];
      zeros[size_t(t)].add(z);
      for (const WeightChange& c : ch)
        w[size_t(c.layer)][size_t(c.index)] = persistent[size_t(c.layer)][size_t(c.index)];
    }
  };
  run_on_threads(threads, work);
  if (zero_counts) {
    zero_counts->reset(net.layers.size());
    for (const LayerZeroCounts& zt : zeros) zero_counts->add(zt);
  }
  return pred;
}

}  // namespace

std::vector<int> run_with_transients(RunMode mode, const Network& net, WeightMemory& wm, const LayerWeights& persistent,
                                     const Dataset& test, WeightReadCounts& fr, int threads,
                                     LayerZeroCounts* zero_counts) {
  // Per-image counts land in their own slots, so the total does not depend on the threads.
  std::vector<int64_t> flipped(size_t(test.count), 0);
  const WeightMemory& memory = wm;
  if (mode != RunMode::Golden && test.count > 0 && dense_transients(net, memory, persistent)) {
    std::vector<int> pred = fast_predict_per_image(net, memory, persistent, test, threads, flipped, zero_counts);
    for (int64_t f : flipped) fr.transient_bit_errors += f;
    return pred;
  }
  const ImageWeightChanges changes = [&](int64_t image, std::vector<WeightChange>& out) {
    flipped[size_t(image)] = transient_weight_changes(net, memory, image, persistent, out);
  };
  std::vector<int> pred =
      mode == RunMode::Golden
          ? golden_predict(net, persistent, test, changes, threads, zero_counts)
          : FastInference(net, persistent).predict(test.pixels.data(), test.count, threads, changes, zero_counts);
  for (int64_t f : flipped) fr.transient_bit_errors += f;
  return pred;
}

}  // namespace lvsim
