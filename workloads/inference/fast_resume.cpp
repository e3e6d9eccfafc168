// The fast path resumed at a layer boundary (FastInference::predict_resumed): a study point whose
// weights as read differ from an earlier point's only from some layer on computes only those
// layers, from the activations the earlier point left at that boundary (docs/performance.md,
// "Partial re-runs").
#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "workloads/inference/fast_inference.h"
#include "workloads/inference/fast_inference_state.h"

namespace lvsim {

using namespace fast_detail;

namespace {

int64_t tensor_bytes(const Network& net, int tensor) {
  return tensor < 0 ? net.input_shape.size() : net.layers[size_t(tensor)].out_shape.size();
}

}  // namespace

bool FastInference::resumable_at(int boundary) const {
  if (boundary <= 0 || size_t(boundary) >= net_.layers.size()) return false;
  for (int l = 0; l < boundary; ++l)
    if (fused_relu_[size_t(l)] >= boundary || fused_pool_[size_t(l)] >= boundary) return false;
  return true;
}

std::vector<int> FastInference::boundary_tensors(int boundary) const {
  std::vector<int> held;
  auto hold = [&](int t) {
    if (t < boundary && std::find(held.begin(), held.end(), t) == held.end()) held.push_back(t);
  };
  // What the fused path (predict) reads from here on: a linear layer reads its channels-last source
  // (the flatten is skipped); relus and pools fused into a producer before `boundary` do not exist
  // (resumable_at), those after it are computed by their producer.
  for (size_t l = size_t(boundary); l < net_.layers.size(); ++l) {
    if (skip_when_fused_[l]) continue;
    const Layer& L = net_.layers[l];
    if (L.type == LayerType::Linear)
      hold(linear_src_[l]);
    else
      for (int src : L.inputs) hold(src);
  }
  if (net_.output < boundary) hold(net_.output);
  std::sort(held.begin(), held.end());
  return held;
}

int64_t FastInference::boundary_bytes(int boundary) const {
  int64_t bytes = 0;
  for (int t : boundary_tensors(boundary)) bytes += tensor_bytes(net_, t);
  return bytes;
}

void FastInference::check_resume(const Resume& resume, int64_t count, bool changes, bool count_zeros) const {
  const int from = resume.start ? resume.start->boundary : 0;
  if ((resume.start || !resume.capture.empty()) && changes)
    throw std::invalid_argument("FastInference: a resumed or captured run cannot take per-image weight changes");
  if (const FastActivations* s = resume.start) {
    if (!resumable_at(from) || s->images != count || s->tensors != boundary_tensors(from) ||
        int64_t(s->codes.size()) != count * s->image_bytes)
      throw std::invalid_argument("FastInference: activations do not fit a run resumed at layer " +
                                  std::to_string(from));
    if (count_zeros && (s->zeros.operand_macs.size() < size_t(from) || s->zeros.activation_codes.size() < size_t(from)))
      throw std::invalid_argument("FastInference: resumed activations carry no zero-operand counts");
  }
  for (const FastActivations* a : resume.capture)
    if (!a || !resumable_at(a->boundary) || a->boundary <= from)
      throw std::invalid_argument("FastInference: cannot capture activations there");
}

void FastInference::prepare_capture(FastActivations& a, int64_t count) const {
  a.images = count;
  a.tensors = boundary_tensors(a.boundary);
  a.offset.clear();
  a.image_bytes = 0;
  for (int t : a.tensors) {
    a.offset.push_back(a.image_bytes);
    a.image_bytes += tensor_bytes(net_, t);
  }
  a.codes.assign(size_t(count * a.image_bytes), 0);
  a.zeros = LayerZeroCounts{};
}

void FastInference::load_boundary(const FastActivations& a, int64_t first, int64_t n, Workspace& ws) const {
  for (size_t k = 0; k < a.tensors.size(); ++k) {
    const int t = a.tensors[k];
    const int64_t size = tensor_bytes(net_, t);
    std::vector<uint8_t>& buf = t < 0 ? ws.input : ws.act[size_t(t)];
    buf.resize(size_t(n * size + kSlackBytes));
    for (int64_t i = 0; i < n; ++i)
      std::memcpy(buf.data() + i * size, a.codes.data() + (first + i) * a.image_bytes + a.offset[k], size_t(size));
  }
}

void FastInference::store_boundary(FastActivations& a, int64_t first, int64_t n, const Workspace& ws) const {
  for (size_t k = 0; k < a.tensors.size(); ++k) {
    const int t = a.tensors[k];
    const int64_t size = tensor_bytes(net_, t);
    const std::vector<uint8_t>& buf = t < 0 ? ws.input : ws.act[size_t(t)];
    for (int64_t i = 0; i < n; ++i)
      std::memcpy(a.codes.data() + (first + i) * a.image_bytes + a.offset[k], buf.data() + i * size, size_t(size));
  }
}

void FastInference::finish_zero_counts(const Resume& resume, LayerZeroCounts& total) const {
  if (const FastActivations* s = resume.start)
    for (int l = 0; l < s->boundary; ++l) {
      total.operand_macs[size_t(l)] += s->zeros.operand_macs[size_t(l)];
      total.activation_codes[size_t(l)] += s->zeros.activation_codes[size_t(l)];
    }
  for (FastActivations* a : resume.capture) {
    const auto before = [&](const std::vector<int64_t>& v) {
      return std::vector<int64_t>(v.begin(), v.begin() + a->boundary);
    };
    a->zeros = {before(total.operand_macs), before(total.activation_codes)};
  }
}

std::vector<int> FastInference::predict_resumed(const uint8_t* pixels, int64_t count, int threads,
                                                const FastActivations* start,
                                                const std::vector<FastActivations*>& capture,
                                                LayerZeroCounts* zeros) const {
  const std::vector<uint8_t> codes = scores_resumed(pixels, count, threads, nullptr, zeros, Resume{start, capture});
  const int64_t out_size = net_.layers[size_t(net_.output)].out_shape.size();
  std::vector<int> pred(size_t(std::max<int64_t>(count, 0)));
  for (int64_t i = 0; i < count; ++i) {
    const uint8_t* s = codes.data() + i * out_size;
    pred[size_t(i)] = int(std::max_element(s, s + out_size) - s);  // the first on ties, as golden
  }
  return pred;
}

}  // namespace lvsim
