#include "sim/weights_as_read.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <thread>

#include "workloads/fast_inference.h"

namespace lvsim {

LayerWeights read_all_weights(const Network& net, WeightMemory& wm, FaultReport& fr) {
  LayerWeights w(net.layers.size());
  wm.stats().reset();
  for (size_t l = 0; l < net.layers.size(); ++l) {
    if (!net.layers[l].has_weights()) continue;
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

std::vector<int> run_functional(RunMode mode, const Network& net, const LayerWeights& w, const Dataset& test,
                                int threads) {
  if (mode == RunMode::Golden) return predict(net, test.pixels.data(), test.count, w, threads);
  FastInference engine(net, w);
  return engine.predict(test.pixels.data(), test.count, threads);
}

void read_image_weights(const Network& net, WeightMemory& wm, int64_t image, const LayerWeights& persistent,
                        LayerWeights& w, FaultReport& fr) {
  w.resize(net.layers.size());
  for (size_t l = 0; l < net.layers.size(); ++l) {
    if (!net.layers[l].has_weights()) continue;
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
    if (!net.layers[l].has_weights()) continue;
    wm.transient_changes(image, int(l), persistent[l], layer_changes);
    for (const auto& [i, v] : layer_changes) {
      changes.push_back({int(l), i, v});
      flipped += std::popcount(unsigned(v ^ persistent[l][size_t(i)]));
    }
  }
  return flipped;
}

namespace {

/// Golden predictions, each image on `persistent` patched with its own changes (one copy per thread).
std::vector<int> golden_with_changes(const Network& net, const LayerWeights& persistent, const Dataset& test,
                                     const ImageWeightChanges& changes, int threads) {
  std::vector<int> pred(size_t(test.count));
  std::atomic<int64_t> next{0};
  auto work = [&] {
    LayerWeights w = persistent;
    std::vector<WeightChange> ch;
    for (int64_t i = next++; i < test.count; i = next++) {
      changes(i, ch);
      for (const WeightChange& c : ch) w[size_t(c.layer)][size_t(c.index)] = c.pattern;
      pred[size_t(i)] = argmax_class(run_all_layers(net, test.image(i), w)[size_t(net.output)]);
      for (const WeightChange& c : ch)
        w[size_t(c.layer)][size_t(c.index)] = persistent[size_t(c.layer)][size_t(c.index)];
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < std::clamp<int64_t>(threads, 1, std::max<int64_t>(test.count, 1)); ++t) pool.emplace_back(work);
  work();
  for (auto& th : pool) th.join();
  return pred;
}

}  // namespace

std::vector<int> run_with_transients(RunMode mode, const Network& net, WeightMemory& wm, const LayerWeights& persistent,
                                     const Dataset& test, FaultReport& fr, int threads) {
  // Per-image counts land in their own slots, so the total does not depend on the threads.
  std::vector<int64_t> flipped(size_t(test.count), 0);
  const WeightMemory& memory = wm;
  const ImageWeightChanges changes = [&](int64_t image, std::vector<WeightChange>& out) {
    flipped[size_t(image)] = transient_weight_changes(net, memory, image, persistent, out);
  };
  std::vector<int> pred =
      mode == RunMode::Golden
          ? golden_with_changes(net, persistent, test, changes, threads)
          : FastInference(net, persistent).predict(test.pixels.data(), test.count, threads, changes);
  for (int64_t f : flipped) fr.transient_bit_errors += f;
  return pred;
}

}  // namespace lvsim
