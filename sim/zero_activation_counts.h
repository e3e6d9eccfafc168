// Zero-activation MACs of the functional paths (golden, fast): each image's layer inputs are
// computed with the same engine and weights the predictions used, and every conv/linear layer's
// zero operands are counted from those codes (models/zero_activations.h). The cycle path counts
// the same MACs itself, operand by operand.
#pragma once

#include <cstdint>
#include <vector>

#include "energy/action_counts.h"
#include "memory/weight_memory.h"
#include "sim/run_report.h"
#include "workloads/dataset.h"
#include "workloads/network.h"
#include "workloads/reference_inference.h"

namespace lvsim {

/// Per layer, summed over the images of `test`: counts with only zero_activation_macs_by_weight_bits
/// set. `w`: the weights every image reads. Golden mode uses the golden engine, fast the fast one.
std::vector<ActionCounts> zero_activation_counts(RunMode mode, const Network& net, const LayerWeights& w,
                                                 const Dataset& test, int threads);

/// The same when every image reads its own weights (transient read errors): re-read per image
/// through `wm` exactly as the prediction pass did; single-threaded.
std::vector<ActionCounts> zero_activation_counts_transient(RunMode mode, const Network& net, WeightMemory& wm,
                                                           const LayerWeights& persistent, const Dataset& test);

}  // namespace lvsim
