#include "models/accelerator_top.h"

#include <algorithm>

namespace lvsim {

/// Plain mirrors of the traced values, written only inside the trace window (so the VCD holds
/// changes only there). sc_trace records them by reference.
struct AcceleratorTop::TraceSignals {
  static constexpr int kEdges = 4;  // edge inputs traced per side
  int layer = -1;
  long long layer_cycle = 0;
  int array_mode = 0;
  int left_in[kEdges] = {}, top_in[kEdges] = {};
  int stationary_00 = 0, operand_00 = 0, psum_00 = 0, psum_last = 0, bottom_out_0 = 0;
  int sram_reads = 0, sram_bank = 0;
  long long sram_row = 0;
};

AcceleratorTop::AcceleratorTop(sc_core::sc_module_name name, const ArchitectureParams& arch, const Network& net,
                               WeightMemory& wm, std::vector<std::vector<uint8_t>> inputs, const TraceOptions& trace,
                               CycleProgress progress)
    : sc_core::sc_module(name),
      arch_(arch),
      net_(net),
      wm_(wm),
      inputs_(std::move(inputs)),
      trace_(trace),
      progress_(std::move(progress)) {
  const double period_ns = 1e9 / arch.clock_hz;
  // Falling edge first: the controller prepares cycle 0 before the array's first rising edge.
  clock_ = std::make_unique<sc_core::sc_clock>("clk", sc_core::sc_time(period_ns, sc_core::SC_NS), 0.5,
                                               sc_core::SC_ZERO_TIME, false);
  array_module_ = std::make_unique<SystolicArrayModule>("array", arch.rows, arch.cols);
  array_module_->clk(*clock_);
  post_ = std::make_unique<PostProcessingUnit>(arch.post_processing_lanes);
  controller_ = std::make_unique<Controller>(arch_, array_module_->array(), wm_, *post_);
  results_.resize(inputs_.size());
  image_start_errors_ = wm_.stats().delivered;
  for (auto& r : results_) r.layers.resize(net.layers.size());
  if (trace_.enabled()) {
    trace_signals_ = std::make_unique<TraceSignals>();
    // SystemC appends ".vcd" itself: a name already ending in it must not become "x.vcd.vcd".
    std::string base = trace_.vcd_file;
    if (base.size() > 4 && base.ends_with(".vcd")) base.resize(base.size() - 4);
    trace_file_ = sc_core::sc_create_vcd_trace_file(base.c_str());
    TraceSignals& s = *trace_signals_;
    sc_core::sc_trace(trace_file_, s.layer, "layer");
    sc_core::sc_trace(trace_file_, s.layer_cycle, "layer_cycle");
    sc_core::sc_trace(trace_file_, s.array_mode, "array_mode");
    for (int i = 0; i < TraceSignals::kEdges; ++i) {
      sc_core::sc_trace(trace_file_, s.left_in[i], "left_in_" + std::to_string(i));
      sc_core::sc_trace(trace_file_, s.top_in[i], "top_in_" + std::to_string(i));
    }
    sc_core::sc_trace(trace_file_, s.stationary_00, "pe_0_0_stationary");
    sc_core::sc_trace(trace_file_, s.operand_00, "pe_0_0_operand");
    sc_core::sc_trace(trace_file_, s.psum_00, "pe_0_0_psum");
    sc_core::sc_trace(trace_file_, s.psum_last, "pe_last_psum");
    sc_core::sc_trace(trace_file_, s.bottom_out_0, "bottom_out_0");
    sc_core::sc_trace(trace_file_, s.sram_reads, "sram_reads");
    sc_core::sc_trace(trace_file_, s.sram_bank, "sram_first_bank");
    sc_core::sc_trace(trace_file_, s.sram_row, "sram_first_row");
  }
  SC_METHOD(on_falling_edge);
  sensitive << clock_->negedge_event();
}

AcceleratorTop::~AcceleratorTop() {
  if (trace_file_) sc_core::sc_close_vcd_trace_file(trace_file_);
}

// Starts layers until one needs cycles (flatten takes none) or the last image is done.
void AcceleratorTop::start_next_layer() {
  while (image_ < inputs_.size()) {
    ++layer_;
    if (layer_ == int(net_.layers.size())) {
      const DeliveredWeightErrors now = wm_.stats().delivered;
      results_[image_].weight_errors = now.since(image_start_errors_);
      image_start_errors_ = now;
      ++image_;
      layer_ = -1;
      continue;
    }
    const Layer& L = net_.layers[size_t(layer_)];
    std::vector<const std::vector<uint8_t>*> ins;
    for (int src : L.inputs) ins.push_back(src < 0 ? &inputs_[image_] : &results_[image_].layers[size_t(src)].output);
    wm_.set_read_context(int64_t(image_), layer_);  // keys transient read errors
    if (progress_) progress_(int64_t(image_), layer_, 0);
    controller_->start_layer(net_, layer_, ins);
    if (controller_->busy()) return;
    results_[image_].layers[size_t(layer_)] = controller_->finish();
  }
  finished_ = true;
  sc_core::sc_stop();
}

void AcceleratorTop::on_falling_edge() {
  if (finished_) return;
  if (layer_ < 0 && image_ == 0) {
    start_next_layer();  // time 0: the first layer
  } else {
    controller_->after_edge();  // results of the rising edge just past
    if (!controller_->busy()) {
      results_[image_].layers[size_t(layer_)] = controller_->finish();
      start_next_layer();
    }
  }
  if (finished_) {
    for (ImageRun& r : results_) {
      r.cycles = 0;
      r.counts = ActionCounts{};
      for (const LayerRun& l : r.layers) r.cycles += l.cycles, r.counts += l.counts;
    }
    return;
  }
  controller_->before_edge();
  if (trace_signals_) update_trace();
  if (progress_ && controller_->layer_cycle() > 0 && controller_->layer_cycle() % kProgressCycles == 0)
    progress_(int64_t(image_), layer_, controller_->layer_cycle());
}

void AcceleratorTop::update_trace() {
  const int64_t c = controller_->layer_cycle();
  if ((trace_.layer >= 0 && controller_->layer() != trace_.layer) || c < trace_.first_cycle || c > trace_.last_cycle)
    return;
  TraceSignals& s = *trace_signals_;
  SystolicArray& a = array_module_->array();
  s.layer = controller_->layer();
  s.layer_cycle = c;
  s.array_mode = int(a.mode());
  for (int i = 0; i < TraceSignals::kEdges; ++i) {
    s.left_in[i] = i < a.rows() ? a.left_in()[i] : 0;
    s.top_in[i] = i < a.cols() ? a.top_in()[i] : 0;
  }
  s.stationary_00 = a.stationary(0, 0);
  s.operand_00 = a.operand(0, 0);
  s.psum_00 = a.psum(0, 0);
  s.psum_last = a.psum(a.rows() - 1, a.cols() - 1);
  s.bottom_out_0 = a.bottom_out()[0];
  const auto& reads = controller_->reads_this_cycle();
  s.sram_reads = int(reads.size());
  if (!reads.empty()) s.sram_bank = reads.front().bank, s.sram_row = reads.front().row;
}

std::vector<ImageRun> run_network_systemc(const ArchitectureParams& arch, const Network& net, WeightMemory& wm,
                                          std::vector<std::vector<uint8_t>> inputs, const TraceOptions& trace,
                                          const CycleProgress& progress) {
  // The kernel's "simulation stopped by user" note would land on stdout after every run.
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  AcceleratorTop top("accelerator", arch, net, wm, std::move(inputs), trace, progress);
  sc_core::sc_start();
  if (!top.finished()) throw std::logic_error("run_network_systemc: simulation stopped before the last image");
  return top.results();
}

}  // namespace lvsim
