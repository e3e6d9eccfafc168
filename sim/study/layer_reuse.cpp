#include "sim/study/layer_reuse.h"

#include <algorithm>
#include <utility>

namespace lvsim {

int LayerReuse::capture_boundary(const FastInference& engine, int from, int next_change, int64_t images,
                                 int64_t budget_bytes) {
  const int last = std::min(next_change, int(engine.network().layers.size()) - 1);
  for (int b = last; b > from; --b)
    if (engine.resumable_at(b) && engine.boundary_bytes(b) * images <= budget_bytes) return b;
  return 0;
}

PointPrediction LayerReuse::run(const Network& net, const LayerWeights& w, const Dataset& test, int threads,
                                int next_change, int& started_at) {
  const FastInference engine(net, w);
  // The held activations serve this point when its weights equal theirs in every layer before them.
  const bool usable = held_.boundary > 0 && first_changed_layer(w, held_weights_) >= held_.boundary;
  if (!usable) held_ = FastActivations();
  const FastActivations* start = usable ? &held_ : nullptr;
  started_at = usable ? held_.boundary : 0;
  FastActivations left;
  left.boundary = capture_boundary(engine, started_at, next_change, test.count, budget_bytes_);
  std::vector<FastActivations*> capture;
  if (left.boundary > 0) capture.push_back(&left);
  PointPrediction p = predict_point_resumed(engine, test, threads, start, capture);
  if (left.boundary > 0) {  // else the held activations (if any) still serve the next point
    held_ = std::move(left);
    held_weights_.assign(w.begin(), w.begin() + held_.boundary);
    held_weights_.resize(w.size());
  }
  return p;
}

}  // namespace lvsim
