#include "workloads/import/calibration.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <functional>
#include <limits>
#include <stdexcept>
#include <thread>

#include "common/errors.h"
#include "common/parallel.h"
#include "workloads/inference/float_inference.h"
#include "workloads/network/network_finalize.h"
#include "workloads/network/quantization.h"

namespace lvsim {

namespace {

constexpr double kPercentileTail = 0.0001;  // 0.01 % at each end

// Tensor t: 0 is the network input, l + 1 the output of layer l.
int tensor_of(int producer) {
  return producer + 1;
}

bool is_calibrated_type(const Layer& l) {
  return l.has_weights() || l.type == LayerType::Add || l.type == LayerType::GroupNorm;
}

// Range of one tensor seen by one thread. Percentile mode keeps only the `keep` smallest and
// largest values: the global k-th smallest is among each thread's k smallest, so merging the
// per-thread candidates gives the exact order statistic whatever the split of images.
struct RangeObserver {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  int64_t keep = 0;  // 0: min-max only
  std::vector<float> low, high;

  void observe(const std::vector<float>& v) {
    for (float x : v) {
      lo = std::min(lo, double(x));
      hi = std::max(hi, double(x));
    }
    if (keep == 0) return;
    low.insert(low.end(), v.begin(), v.end());
    high.insert(high.end(), v.begin(), v.end());
    compact(false);
  }
  // Trims the candidate lists back to `keep` once they have grown well beyond it.
  void compact(bool force) {
    const size_t k = size_t(keep);
    const size_t limit = force ? k : std::max<size_t>(2 * k, k + (size_t(1) << 16));
    if (low.size() > limit) {
      std::nth_element(low.begin(), low.begin() + (k - 1), low.end());
      low.resize(k);
    }
    if (high.size() > limit) {
      std::nth_element(high.begin(), high.begin() + (k - 1), high.end(), std::greater<float>());
      high.resize(k);
    }
  }
};

}  // namespace

const char* calibration_method_name(CalibrationMethod m) {
  return m == CalibrationMethod::MinMax ? "min-max" : "percentile";
}

CalibrationMethod calibration_method_from_name(const std::string& name, const std::string& field) {
  if (name == "min-max") return CalibrationMethod::MinMax;
  if (name == "percentile") return CalibrationMethod::Percentile;
  throw ConfigError(located(field, "", "unknown calibration method '" + name + "' (min-max | percentile)"));
}

namespace {

// Which tensors are calibrated, which of them are known, and how each layer reads them.
struct CalibrationState {
  Network& net;
  std::vector<int> consumers, relu_consumers;  // per tensor: readers (the output counts as one), relus among them
  std::vector<bool> known;                     // per tensor: its quantization is set

  explicit CalibrationState(Network& n)
      : net(n), consumers(n.layers.size() + 1), relu_consumers(n.layers.size() + 1), known(n.layers.size() + 1) {
    for (const auto& l : net.layers)
      for (int p : l.inputs) {
        ++consumers[size_t(tensor_of(p))];
        if (l.type == LayerType::Relu) ++relu_consumers[size_t(tensor_of(p))];
      }
    if (net.output >= 0) ++consumers[size_t(tensor_of(net.output))];
    known[0] = net.input_quant_given;
    for (size_t l = 0; l < net.layers.size(); ++l)
      if (is_calibrated_type(net.layers[l])) known[l + 1] = net.layers[l].out_quant_given;
  }

  ActivationQuant& quant_of(int producer) {
    return producer < 0 ? net.input_quant : net.layers[size_t(producer)].out_quant;
  }

  // Pass-through layers inherit; every layer's in_quant follows its first input once known.
  void propagate() {
    for (size_t l = 0; l < net.layers.size(); ++l) {
      Layer& layer = net.layers[l];
      const int p = layer.inputs.at(0);
      if (!known[size_t(tensor_of(p))]) continue;
      layer.in_quant = quant_of(p);
      if (!is_calibrated_type(layer)) {
        layer.out_quant = layer.in_quant;
        known[l + 1] = true;
      }
    }
  }

  // The tensors this pass can calibrate: a layer with an int32 bias needs its input scale to run
  // in float, so when that scale is itself calibrated, the layer (and everything downstream) waits
  // for a later pass. Sets in_scale_known per layer; empty with all_known when nothing is left.
  std::vector<int> pass_targets(std::vector<bool>& in_scale_known, bool& all_known) const {
    const size_t n_layers = net.layers.size();
    std::vector<bool> tainted(n_layers + 1, false);
    in_scale_known.assign(n_layers, false);
    for (size_t l = 0; l < n_layers; ++l) {
      const Layer& layer = net.layers[l];
      in_scale_known[l] = known[size_t(tensor_of(layer.inputs[0]))];
      bool t = layer.has_weights() && layer.bias_real.empty() && !layer.bias.empty() && !in_scale_known[l];
      for (int p : layer.inputs) t = t || tainted[size_t(tensor_of(p))];
      tainted[l + 1] = t;
    }
    std::vector<int> targets;
    all_known = true;
    for (size_t t = 0; t < n_layers + 1; ++t) {
      if (known[t]) continue;
      all_known = false;
      if ((t == 0 || is_calibrated_type(net.layers[t - 1])) && !tainted[t]) targets.push_back(int(t));
    }
    return targets;
  }

  // A weighted layer (or groupnorm) read only by one relu takes the post-relu range.
  bool clipped_by_relu(int t) const {
    if (t == 0) return false;
    const Layer& layer = net.layers[size_t(t - 1)];
    return (layer.has_weights() || layer.type == LayerType::GroupNorm) && consumers[size_t(t)] == 1 &&
           relu_consumers[size_t(t)] == 1;
  }
};

// Per thread, per target tensor: the float values seen over the first `images` training images.
std::vector<std::vector<RangeObserver>> observe_ranges(const Network& net, const FloatNetwork& fnet,
                                                       const Dataset& train, int64_t images, int threads,
                                                       const std::vector<int>& targets, CalibrationMethod method) {
  std::vector<std::vector<RangeObserver>> obs(size_t(threads), std::vector<RangeObserver>(targets.size()));
  for (size_t i = 0; i < targets.size(); ++i) {
    const int t = targets[i];
    const int64_t size = t == 0 ? net.input_shape.size() : net.layers[size_t(t - 1)].out_shape.size();
    const int64_t n = size * images;
    const int64_t keep =
        method == CalibrationMethod::Percentile ? int64_t(std::floor(kPercentileTail * double(n - 1))) + 1 : 0;
    for (auto& per_thread : obs) per_thread[i].keep = keep;
  }
  std::vector<std::exception_ptr> errors(static_cast<size_t>(threads));
  run_on_threads(threads, [&](int th) {
    try {
      const int64_t begin = images * th / threads, end = images * (th + 1) / threads;
      for (int64_t img = begin; img < end; ++img) {
        const FloatActivations a = fnet.run(train.image(img));
        for (size_t i = 0; i < targets.size(); ++i)
          obs[size_t(th)][i].observe(targets[i] == 0 ? a.input : a.layers[size_t(targets[i] - 1)]);
      }
      for (auto& o : obs[size_t(th)])
        if (o.keep > 0) o.compact(true);
    } catch (...) {
      errors[size_t(th)] = std::current_exception();
    }
  });
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
  return obs;
}

// Target i's range over all threads: min and max, or the exact percentile order statistics.
std::pair<double, double> merged_range(const std::vector<std::vector<RangeObserver>>& obs, size_t i,
                                       CalibrationMethod method) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  if (method == CalibrationMethod::MinMax) {
    for (const auto& per_thread : obs) {
      lo = std::min(lo, per_thread[i].lo);
      hi = std::max(hi, per_thread[i].hi);
    }
    return {lo, hi};
  }
  std::vector<float> low, high;
  for (const auto& per_thread : obs) {
    low.insert(low.end(), per_thread[i].low.begin(), per_thread[i].low.end());
    high.insert(high.end(), per_thread[i].high.begin(), per_thread[i].high.end());
  }
  const size_t k = size_t(obs[0][i].keep);
  std::nth_element(low.begin(), low.begin() + (k - 1), low.end());
  std::nth_element(high.begin(), high.begin() + (k - 1), high.end(), std::greater<float>());
  return {low[k - 1], high[k - 1]};
}

}  // namespace

void calibrate(Network& net, const Dataset& train, int64_t images, CalibrationMethod method, int threads,
               FloatKernels kernels) {
  check_fits(train, net);
  const std::string file = net.source_file.empty() ? net.name : net.source_file;
  if (images < 1) throw ConfigError(located(file, "calibration images", "must be at least 1"));
  images = std::min(images, train.count);
  if (images < 1) throw ConfigError(located(train.source, "", "no images to calibrate with"));
  threads = int(std::min<int64_t>(resolve_threads(threads), images));
  CalibrationState state(net);
  state.propagate();
  // Usually one pass; a layer whose int32 bias needs a calibrated input scale waits for the next.
  for (;;) {
    std::vector<bool> in_scale_known;
    bool all_known = false;
    const std::vector<int> targets = state.pass_targets(in_scale_known, all_known);
    if (all_known) break;
    if (targets.empty()) throw std::logic_error("calibration cannot make progress");
    const FloatNetwork fnet(net, in_scale_known, kernels);
    const auto obs = observe_ranges(net, fnet, train, images, threads, targets, method);
    for (size_t i = 0; i < targets.size(); ++i) {
      auto [lo, hi] = merged_range(obs, i, method);
      const int t = targets[i];
      if (state.clipped_by_relu(t)) lo = 0.0;
      state.quant_of(t - 1) = activation_quant_from_range(lo, hi);
      state.known[size_t(t)] = true;
    }
    state.propagate();
  }
  finalize_network(net);
}

}  // namespace lvsim
