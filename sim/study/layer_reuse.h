// Partial re-runs of a study chain's points (issue 24): a point whose weights as read equal an
// earlier run point's in every layer before some boundary starts there, from the activations that
// point left, instead of from the images. Exact: the layers before the boundary would compute the
// same codes and zero-operand counts again. Fast mode without transient read errors only.
#pragma once

#include <cstdint>
#include <vector>

#include "models/point_evaluation.h"
#include "workloads/inference/fast_inference.h"

namespace lvsim {

/// One chain's activations at one layer boundary, and the runs that start from them.
class LayerReuse {
 public:
  /// budget_bytes: the most one set of activations (all test images at one boundary) may take; a
  /// run holds at most two sets at once (the one it starts from and the one it leaves).
  explicit LayerReuse(int64_t budget_bytes) : budget_bytes_(budget_bytes) {}

  /// The predictions on weights `w` (the point's weights as read). `next_change`: the first layer
  /// whose weights as read differ between this point and the chain's next run point (-1: none
  /// follows); the run leaves its activations at the latest resumable boundary up to it that fits
  /// the budget. `started_at` receives the layer the run started at (0: the images).
  PointPrediction run(const Network& net, const LayerWeights& w, const Dataset& test, int threads, int next_change,
                      int& started_at);

  /// The boundary a run starting at `from` leaves its activations at for a next point first
  /// changed at `next_change`: the latest resumable one in (from, next_change] whose activations
  /// for `images` images fit `budget_bytes`; 0 when none does.
  static int capture_boundary(const FastInference& engine, int from, int next_change, int64_t images,
                              int64_t budget_bytes);

 private:
  int64_t budget_bytes_;
  FastActivations held_;       // boundary 0: none
  LayerWeights held_weights_;  // the weights of the layers before held_.boundary they were computed with
};

}  // namespace lvsim
