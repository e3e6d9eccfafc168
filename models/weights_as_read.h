// The weights every functional path computes with, as the weight SRAM returns them (persistent
// faults, ECC, transient read errors), and the golden / fast predictions on them. Shared by
// `lvsim run` and `lvsim sweep` so both read and count in exactly one way.
#pragma once

#include <cstdint>
#include <vector>

#include "energy/action_counts.h"
#include "memory/weight_error_counts.h"
#include "memory/weight_memory.h"
#include "models/run_mode.h"
#include "workloads/data/dataset.h"
#include "workloads/inference/fast_inference.h"
#include "workloads/inference/reference_inference.h"
#include "workloads/network/network.h"

namespace lvsim {

/// Every layer's weights as the array reads them (one read of every word, persistent faults only:
/// no transient flips), and the bit errors they carry relative to the stored patterns (bits_stored, bit_errors,
/// weights_changed, ECC counters of `fr` are added to / set).
LayerWeights read_all_weights(const Network& net, WeightMemory& wm, WeightReadCounts& fr);

/// The first layer whose weights as read differ between `a` and `b` (conv/linear weights and the
/// groupnorm parameters held in the weight SRAM alike; one pattern vector per layer each), or the
/// layer count when none does. std::invalid_argument when their layer counts differ.
int first_changed_layer(const LayerWeights& a, const LayerWeights& b);

/// Golden or fast predictions of every image of `test` on fixed weights. With `zeros`, also each
/// layer's zero-operand MACs and zero input codes summed over the images, counted in the same pass
/// from the codes the layer reads (the data-dependent counts behind zero-operand gating).
std::vector<int> run_functional(RunMode mode, const Network& net, const LayerWeights& w, const Dataset& test,
                                int threads, LayerZeroCounts* zeros = nullptr);

/// Per-layer zero-operand MACs as action counts (in the bit width of each layer's weights).
std::vector<ActionCounts> zero_operand_counts(const Network& net, const std::vector<int64_t>& zero_macs);

/// The weights image `image` reads (transient errors keyed by image and layer, as the cycle path
/// reads them), into `w`; adds the bits the transients flipped relative to `persistent`.
void read_image_weights(const Network& net, WeightMemory& wm, int64_t image, const LayerWeights& persistent,
                        LayerWeights& w, WeightReadCounts& fr);

/// Image `image`'s transient read errors as weight changes relative to `persistent` (the weights
/// read without transients), over all layers; returns the weight bits they flip. Counts nothing
/// in `wm`, so worker threads may call it at once.
int64_t transient_weight_changes(const Network& net, const WeightMemory& wm, int64_t image,
                                 const LayerWeights& persistent, std::vector<WeightChange>& changes);

/// Golden or fast predictions when every image sees its own transient read errors, on `threads`
/// threads (results do not depend on it). The fast path keeps its batched engine, built once on
/// `persistent`, and applies each image's changed weights inside it; the golden path patches them
/// into a per-thread copy of `persistent`. Identical to re-reading every weight per image
/// (read_image_weights); adds the transient bit errors to `fr`.
std::vector<int> run_with_transients(RunMode mode, const Network& net, WeightMemory& wm, const LayerWeights& persistent,
                                     const Dataset& test, WeightReadCounts& fr, int threads = 1,
                                     LayerZeroCounts* zeros = nullptr);

}  // namespace lvsim
