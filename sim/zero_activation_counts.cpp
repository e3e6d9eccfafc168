#include "sim/zero_activation_counts.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <thread>

#include "models/zero_activations.h"
#include "sim/weights_as_read.h"
#include "workloads/fast_inference.h"

namespace lvsim {

namespace {

// Adds one image's zero-activation MACs per layer, from every layer's output codes (C x H x W).
void add_image(const Network& net, const uint8_t* pixels, const std::vector<std::vector<uint8_t>>& outs,
               std::vector<ActionCounts>& counts) {
  std::vector<uint8_t> input;
  for (size_t l = 0; l < net.layers.size(); ++l) {
    const Layer& L = net.layers[l];
    if (!L.has_weights()) continue;
    const int src = L.inputs[0];
    if (src < 0 && input.empty()) input = preprocess_image(net, pixels);
    const uint8_t* codes = src < 0 ? input.data() : outs[size_t(src)].data();
    counts[l].zero_activation_macs_by_weight_bits[size_t(L.weight.bits)] +=
        zero_activation_macs(L, codes, CodeLayout::ChannelsFirst);
  }
}

std::vector<std::vector<uint8_t>> layer_outputs(RunMode mode, const Network& net, const LayerWeights& w,
                                                const FastInference* fast, const uint8_t* pixels) {
  return mode == RunMode::Golden ? run_all_layers(net, pixels, w) : fast->run_all_layers(pixels);
}

}  // namespace

std::vector<ActionCounts> zero_activation_counts(RunMode mode, const Network& net, const LayerWeights& w,
                                                 const Dataset& test, int threads) {
  std::unique_ptr<FastInference> fast;
  if (mode != RunMode::Golden) fast = std::make_unique<FastInference>(net, w);
  threads = int(std::clamp<int64_t>(threads, 1, std::max<int64_t>(test.count, 1)));
  // Per-thread sums, added in thread order: integer sums, so the result does not depend on threads.
  std::vector<std::vector<ActionCounts>> part(size_t(threads), std::vector<ActionCounts>(net.layers.size()));
  std::atomic<int64_t> next{0};
  auto work = [&](int t) {
    for (int64_t i = next++; i < test.count; i = next++)
      add_image(net, test.image(i), layer_outputs(mode, net, w, fast.get(), test.image(i)), part[size_t(t)]);
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work, t);
  work(0);
  for (auto& th : pool) th.join();
  std::vector<ActionCounts> total(net.layers.size());
  for (const auto& p : part)
    for (size_t l = 0; l < total.size(); ++l) total[l] += p[l];
  return total;
}

std::vector<ActionCounts> zero_activation_counts_transient(RunMode mode, const Network& net, WeightMemory& wm,
                                                           const LayerWeights& persistent, const Dataset& test) {
  std::vector<ActionCounts> total(net.layers.size());
  LayerWeights w;
  FaultReport scratch;  // the prediction pass already reported these reads
  for (int64_t i = 0; i < test.count; ++i) {
    read_image_weights(net, wm, i, persistent, w, scratch);
    std::unique_ptr<FastInference> fast;
    if (mode != RunMode::Golden) fast = std::make_unique<FastInference>(net, w);
    add_image(net, test.image(i), layer_outputs(mode, net, w, fast.get(), test.image(i)), total);
  }
  return total;
}

}  // namespace lvsim
