// The accelerator netlist under SystemC: clock, systolic array module, and the controller
// process (with the weight SRAM and the post-processing unit it drives), running a whole network
// image by image. The array steps on rising edges; the controller collects the array's outputs
// and prepares the next cycle's edge inputs and SRAM reads on falling edges.
#pragma once

#include <systemc>

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "memory/weight_memory.h"
#include "models/architecture.h"
#include "models/controller.h"
#include "models/post_processing_unit.h"
#include "models/systolic_array_module.h"
#include "workloads/network/network.h"

namespace lvsim {

/// VCD tracing window (`--vcd FILE --trace-layer L --trace-cycles A:B`): array edge inputs, a few
/// PE registers and the weight SRAM reads, for cycles A..B (inclusive, counted from the start of
/// layer L of every image; layer -1: every layer).
struct TraceOptions {
  std::string vcd_file;  // empty: no tracing; ".vcd" is added unless the name ends in it
  int layer = -1;
  int64_t first_cycle = 0;
  int64_t last_cycle = std::numeric_limits<int64_t>::max();
  bool enabled() const { return !vcd_file.empty(); }
};

/// Progress of a long simulation: called at the start of every layer and every kProgressCycles
/// cycles inside one, with the image, the layer and the cycle within the layer.
using CycleProgress = std::function<void(int64_t image, int layer, int64_t layer_cycle)>;
inline constexpr int64_t kProgressCycles = 256;

/// One image's run through the network.
struct ImageRun {
  std::vector<LayerRun> layers;         // per layer: output codes, cycles, counts
  int64_t cycles = 0;                   // sum over layers
  ActionCounts counts;                  // sum over layers
  DeliveredWeightErrors weight_errors;  // what this image's weight reads delivered (WeightMemory's count)
};

/// SC_MODULE netlist: clock, array, controller (weight SRAM + post-processing unit).
SC_MODULE(AcceleratorTop) {
  SC_HAS_PROCESS(AcceleratorTop);
  /// `inputs`: input codes (already preprocessed, Network::input_shape each) of the images to run.
  /// The network and the weight memory must outlive the module.
  AcceleratorTop(sc_core::sc_module_name name, const ArchitectureParams& arch, const Network& net, WeightMemory& wm,
                 std::vector<std::vector<uint8_t>> inputs, const TraceOptions& trace = {}, CycleProgress progress = {});
  ~AcceleratorTop() override;

  /// Results once sc_start() has returned (the process calls sc_stop() after the last image).
  const std::vector<ImageRun>& results() const {
    return results_;
  }
  bool finished() const {
    return finished_;
  }

 private:
  struct TraceSignals;
  void on_falling_edge();
  void start_next_layer();
  void update_trace();

  const ArchitectureParams arch_;
  const Network& net_;
  WeightMemory& wm_;
  std::vector<std::vector<uint8_t>> inputs_;
  std::unique_ptr<sc_core::sc_clock> clock_;
  std::unique_ptr<SystolicArrayModule> array_module_;
  std::unique_ptr<PostProcessingUnit> post_;
  std::unique_ptr<Controller> controller_;
  TraceOptions trace_;
  CycleProgress progress_;
  sc_core::sc_trace_file* trace_file_ = nullptr;
  std::unique_ptr<TraceSignals> trace_signals_;
  size_t image_ = 0;
  int layer_ = -1;
  std::vector<ImageRun> results_;
  DeliveredWeightErrors image_start_errors_;  // the memory's delivered counts when the image began
  bool finished_ = false;
};

/// Elaborates an AcceleratorTop, runs sc_start() to completion and returns the per-image results.
/// The SystemC kernel cannot be restarted: call at most once per process.
std::vector<ImageRun> run_network_systemc(const ArchitectureParams& arch, const Network& net, WeightMemory& wm,
                                          std::vector<std::vector<uint8_t>> inputs, const TraceOptions& trace = {},
                                          const CycleProgress& progress = {});

}  // namespace lvsim
