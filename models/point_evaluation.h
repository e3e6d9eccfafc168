// One point of a run or a study, evaluated in one way: the network, the weights as the faulty
// weight SRAM delivers them, the test images and a mode give the predictions, the data-dependent
// zero-operand MACs and the transient bit errors; the accuracy is then counted against the labels
// and the clean predictions. `lvsim run` (and the Python API through it) and the sweep chain (and
// through it explore's accuracy studies) evaluate their points here.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "energy/action_counts.h"
#include "memory/weight_memory.h"
#include "models/accelerator_top.h"
#include "models/architecture.h"
#include "models/run_mode.h"
#include "models/weights_as_read.h"
#include "workloads/data/dataset.h"
#include "workloads/network/network.h"

namespace lvsim {

/// Cycle mode only: tracing and progress of the SystemC run.
struct CycleRunOptions {
  TraceOptions trace;
  CycleProgress progress;
};

/// What one pass over the test images produced.
struct PointPrediction {
  std::vector<int> predictions;  // per image
  // Per layer, summed over the images: the zero-operand MACs (the counts' only data-dependent part).
  std::vector<ActionCounts> zero_operand_counts;
  // Per layer, summed over the images: the input codes of each conv/linear layer equal to its input
  // zero point (its zero activations; activation_sparsity() in workloads/inference/zero_operands.h).
  std::vector<int64_t> zero_activation_codes;
  std::vector<ImageRun> cycle_runs;  // cycle mode: every image's SystemC run (cycles, counts, delivered errors)
  int64_t transient_bit_errors = 0;  // bits the transient read errors flipped, over all images

  /// Zero-operand MACs summed over the layers, by weight bits.
  std::array<int64_t, 9> zero_operand_macs_by_weight_bits() const;
};

/// The predictions of every image of `test` in `mode`. Golden and fast compute with `weights` (the
/// persistent faults as read once) and, when `wm` has transient read errors, each image's own
/// transient flips on top (`wm` may be null: the weights as given, e.g. the clean reference);
/// cycle mode runs the SystemC netlist reading `*wm` itself (one SystemC elaboration per process:
/// callers that need several run it in a child process).
PointPrediction predict_point(RunMode mode, const ArchitectureParams& arch, const Network& net, WeightMemory* wm,
                              const LayerWeights& weights, const Dataset& test, int threads,
                              const CycleRunOptions& cycle = {});

/// Fast mode on fixed weights (no transient errors), resumed: predict_point's result when `engine`
/// (built on the point's weights) starts at start->boundary from the activations `start` left
/// there (nullptr: from the images) and captures the activations at each boundary of `capture`
/// (FastInference::predict_resumed).
PointPrediction predict_point_resumed(const FastInference& engine, const Dataset& test, int threads,
                                      const FastActivations* start, const std::vector<FastActivations*>& capture);

/// Correct predictions with faults and clean, and the robust error's numerator: images wrong with
/// faults or wrong clean (the seed work's RErr).
struct AccuracyCounts {
  int64_t correct = 0;
  int64_t correct_clean = 0;
  int64_t robust_wrong = 0;
};

AccuracyCounts count_accuracy(const std::vector<int>& predictions, const std::vector<int>& predictions_clean,
                              const Dataset& test);

}  // namespace lvsim
