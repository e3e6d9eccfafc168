#include "models/point_evaluation.h"

#include <stdexcept>
#include <utility>

namespace lvsim {

std::array<int64_t, 9> PointPrediction::zero_operand_macs_by_weight_bits() const {
  std::array<int64_t, 9> total{};
  for (const ActionCounts& c : zero_operand_counts)
    for (size_t b = 0; b < total.size(); ++b) total[b] += c.zero_operand_macs_by_weight_bits[b];
  return total;
}

namespace {

PointPrediction predict_cycle_level(const ArchitectureParams& arch, const Network& net, WeightMemory& wm,
                                    const Dataset& test, const CycleRunOptions& cycle) {
  PointPrediction p;
  std::vector<std::vector<uint8_t>> inputs;
  for (int64_t i = 0; i < test.count; ++i) inputs.push_back(preprocess_image(net, test.image(i)));
  // Zero activations from the codes each conv/linear layer read in the netlist: its source layer's
  // output, or the preprocessed image.
  p.zero_activation_codes.assign(net.layers.size(), 0);
  auto count_zero_inputs = [&](const ImageRun& r, const std::vector<uint8_t>& image) {
    for (size_t l = 0; l < net.layers.size(); ++l) {
      const Layer& L = net.layers[l];
      if (!L.has_weights()) continue;
      const int src = L.inputs[0];
      const std::vector<uint8_t>& codes = src < 0 ? image : r.layers[size_t(src)].output;
      p.zero_activation_codes[l] +=
          count_zero_codes(codes.data(), int64_t(codes.size()), uint8_t(L.in_quant.zero_point));
    }
  };
  const std::vector<std::vector<uint8_t>> images = inputs;
  wm.reset_stats();
  p.cycle_runs = run_network_systemc(arch, net, wm, std::move(inputs), cycle.trace, cycle.progress);
  p.zero_operand_counts.resize(net.layers.size());
  for (size_t i = 0; i < p.cycle_runs.size(); ++i) count_zero_inputs(p.cycle_runs[i], images[i]);
  for (const ImageRun& r : p.cycle_runs) {
    p.predictions.push_back(argmax_class(r.layers[size_t(net.output)].output));
    p.transient_bit_errors += r.weight_errors.transient_bit_errors;
    for (size_t l = 0; l < r.layers.size(); ++l)
      for (size_t b = 0; b < 9; ++b)
        p.zero_operand_counts[l].zero_operand_macs_by_weight_bits[b] +=
            r.layers[l].counts.zero_operand_macs_by_weight_bits[b];
  }
  return p;
}

}  // namespace

PointPrediction predict_point(RunMode mode, const ArchitectureParams& arch, const Network& net, WeightMemory* wm,
                              const LayerWeights& weights, const Dataset& test, int threads,
                              const CycleRunOptions& cycle) {
  if (mode == RunMode::Cycle) {
    if (!wm) throw std::logic_error("predict_point: cycle mode reads a weight memory");
    return predict_cycle_level(arch, net, *wm, test, cycle);
  }
  // Zero operands are data: counted in the prediction pass from each image's codes, with the
  // weights that image read.
  PointPrediction p;
  LayerZeroCounts zeros;
  if (wm && wm->has_transient_errors()) {
    WeightReadCounts transient;
    p.predictions = run_with_transients(mode, net, *wm, weights, test, transient, threads, &zeros);
    p.transient_bit_errors = transient.transient_bit_errors;
  } else {
    p.predictions = run_functional(mode, net, weights, test, threads, &zeros);
  }
  p.zero_operand_counts = zero_operand_counts(net, zeros.operand_macs);
  p.zero_activation_codes = std::move(zeros.activation_codes);
  return p;
}

PointPrediction predict_point_resumed(const FastInference& engine, const Dataset& test, int threads,
                                      const FastActivations* start, const std::vector<FastActivations*>& capture) {
  PointPrediction p;
  LayerZeroCounts zeros;
  p.predictions =
      engine.predict_resumed(start ? nullptr : test.pixels.data(), test.count, threads, start, capture, &zeros);
  p.zero_operand_counts = zero_operand_counts(engine.network(), zeros.operand_macs);
  p.zero_activation_codes = std::move(zeros.activation_codes);
  return p;
}

AccuracyCounts count_accuracy(const std::vector<int>& predictions, const std::vector<int>& predictions_clean,
                              const Dataset& test) {
  AccuracyCounts a;
  for (int64_t i = 0; i < test.count; ++i) {
    const int label = test.labels[size_t(i)];
    const bool ok = predictions[size_t(i)] == label, ok_clean = predictions_clean[size_t(i)] == label;
    a.correct += ok;
    a.correct_clean += ok_clean;
    a.robust_wrong += !(ok && ok_clean);
  }
  return a;
}

}  // namespace lvsim
