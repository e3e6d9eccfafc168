#include "sim/weights_as_read.h"

#include <bit>

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

std::vector<int> run_with_transients(RunMode mode, const Network& net, WeightMemory& wm, const LayerWeights& persistent,
                                     const Dataset& test, FaultReport& fr) {
  std::vector<int> pred;
  LayerWeights w;
  for (int64_t i = 0; i < test.count; ++i) {
    read_image_weights(net, wm, i, persistent, w, fr);
    if (mode == RunMode::Golden) {
      pred.push_back(argmax_class(run_all_layers(net, test.image(i), w)[size_t(net.output)]));
    } else {
      FastInference engine(net, w);
      pred.push_back(engine.predict(test.image(i), 1, 1)[0]);
    }
  }
  return pred;
}

}  // namespace lvsim
