#include "sim/cli/run.h"

#include <bit>
#include <chrono>
#include <cmath>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "common/errors.h"
#include "common/json_reader.h"
#include "common/number_text.h"
#include "common/output_file.h"
#include "common/parallel.h"
#include "energy/operating_point.h"
#include "energy/technology.h"
#include "memory/fault_map_io.h"
#include "memory/fault_source.h"
#include "memory/transient_read_errors.h"
#include "memory/weight_memory.h"
#include "models/accelerator_top.h"
#include "models/architecture.h"
#include "models/mapper.h"
#include "models/point_evaluation.h"
#include "models/timing_model.h"
#include "models/weights_as_read.h"
#include "sim/cli/cycle_progress.h"
#include "sim/cli/presets.h"
#include "sim/report/layer_dump.h"
#include "workloads/data/dataset.h"
#include "workloads/import/network_loader.h"
#include "workloads/import/network_preparation.h"
#include "workloads/inference/fast_inference.h"
#include "workloads/inference/reference_inference.h"
#include "workloads/network/network_json.h"

namespace lvsim {

namespace {

/// --ber's rate model as the options give it (bit_flip unless --ber-model says stuck_at).
RateFaultParams rate_params(const RunOptions& opt) {
  RateFaultParams rp;
  rp.kind = opt.ber_model.empty() ? "bit_flip" : opt.ber_model;
  rp.stuck_at_1_fraction = opt.stuck_at_1_fraction.value_or(0.5);
  return rp;
}

/// The run's fault source: --ber (a rate model), --fault-map, or the technology's chip model;
/// nullopt when there is none (no faults).
std::optional<FaultSource> choose_fault_source(const RunOptions& opt, const TechnologyParams& tech,
                                               const FaultGeometry& geometry) {
  if (opt.ber) return FaultSource::rate(rate_params(opt), geometry, opt.chip_seed, "--ber-model");
  if (!opt.fault_map_path.empty())
    return FaultSource::map(read_fault_map(opt.fault_map_path).fit(geometry, opt.fault_map_tile, opt.fault_map_path));
  if (tech.bitcell_failure) return FaultSource::chip(*tech.bitcell_failure, geometry, opt.chip_seed);
  return std::nullopt;
}

/// Applies the selected fault source to the weight memory and describes it.
FaultReport apply_faults(const RunOptions& opt, std::optional<FaultSource>& source, const OperatingPoint& op,
                         const ArchitectureParams& arch, WeightMemory& wm) {
  FaultReport fr;
  fr.cells = fault_geometry(arch.weight_sram).cells();
  fr.ecc = arch.weight_sram.ecc;
  fr.chip_seed = opt.chip_seed;
  fr.voltage_v = op.v_sram_v;
  if (!source) return fr;
  fr.source = source->name();
  const FaultMap map = source->faults_at(source->kind() == FaultSource::Kind::Rate ? *opt.ber : op.v_sram_v);
  if (source->kind() == FaultSource::Kind::Rate) {
    const RateFaultParams rp = rate_params(opt);
    fr.ber = *opt.ber;
    fr.rate_model = rp.kind;
    if (rp.kind == "stuck_at") {
      fr.stuck_cell_fraction = *opt.ber;
      fr.stuck_at_1_fraction = rp.stuck_at_1_fraction;
    }
    fr.voltage_v.reset();
  }
  if (const auto expected = source->expected_failure_fraction(op.v_sram_v)) fr.ber = *expected;
  const FaultCounts c = map.counts();
  fr.failing_cells = c.failing_cells;
  fr.stuck_at_0 = c.stuck_at_0;
  fr.stuck_at_1 = c.stuck_at_1;
  fr.read_flip = c.read_flip;
  fr.faulty_words = c.faulty_words;
  wm.set_faults(map.word_faults());
  return fr;
}

/// Cycle mode's fault statistics, as its own SystemC run's weight reads counted them (per image:
/// WeightMemory's delivered counts), not the bulk read the functional paths count: the persistent
/// faults deliver the same errors to every image; transient flips add up over the images.
void report_cycle_weight_errors(const std::vector<ImageRun>& runs, FaultReport& fr) {
  if (runs.empty()) return;
  const DeliveredWeightErrors& first = runs.front().weight_errors;
  fr.error_counts() = first;
  fr.bit_errors_by_bit = first.bit_errors_by_bit;
  fr.transient_bit_errors = 0;
  for (const ImageRun& r : runs) {
    if (!r.weight_errors.same_persistent(first))
      throw std::logic_error("cycle mode: the persistent faults delivered different errors to different images");
    fr.transient_bit_errors += r.weight_errors.transient_bit_errors;
  }
}

void fill_layers_from_timing(RunReport& rep, const std::vector<LayerTiming>& per_image, int64_t images) {
  for (size_t l = 0; l < rep.layers.size(); ++l) {
    LayerReport& L = rep.layers[l];
    const LayerTiming& t = per_image[l];
    L.cycles = t.cycles * images;
    L.stall_cycles = t.stall_cycles * images;
    L.folds = t.folds;
    L.utilization = t.utilization;
    L.mapping_efficiency = t.mapping_efficiency;
    L.compute_utilization = t.compute_utilization;
    L.weight_sram_reads = t.counts.weight_sram_reads * images;
    L.counts = t.counts.scaled(images);
  }
}

/// Names what is wrong where the user can fix it: a voltage given on the command line is the
/// option's fault, a clock above f_max the architecture file's (the technology's checks below
/// would name the technology file for both).
void check_operating_point_inputs(const RunOptions& opt, const TechnologyParams& tech, const ArchitectureParams& arch) {
  const auto volts = number_text;
  check_voltages(tech, opt.v_sram_v.value_or(tech.v_sram_nominal_v), opt.v_logic_v.value_or(tech.v_logic_nominal_v),
                 {opt.v_sram_v ? "--v-sram/--voltage" : "", opt.v_logic_v ? "--v-logic" : ""});
  const double v_logic = opt.v_logic_v.value_or(tech.v_logic_nominal_v);
  if (opt.clock_mode == ClockMode::kFixed && arch.clock_hz > tech.f_max_hz(v_logic))
    throw ConfigError(located(arch.source_file, "clock_hz",
                              volts(arch.clock_hz / 1e6) + " MHz exceeds f_max " + volts(tech.f_max_hz(v_logic) / 1e6) +
                                  " MHz of technology " + tech.name + " at V_logic " + volts(v_logic) + " V"));
}

/// The VCD file `--vcd PATH` names: SystemC adds ".vcd" unless the name ends in it.
std::string vcd_target(const std::string& path) {
  return path.ends_with(".vcd") ? path : path + ".vcd";
}

/// Cycle mode: every image through the SystemC netlist; cycles, counts and fault statistics as
/// that run measured and counted them.
/// Each conv/linear layer's activation sparsity and the network's, from the zero input codes the
/// prediction pass counted.
void fill_activation_sparsity(const Network& net, const PointPrediction& p, int64_t images, RunReport& rep) {
  const std::vector<std::optional<double>> s = activation_sparsity(net, p.zero_activation_codes, images);
  for (size_t l = 0; l < rep.layers.size() && l < s.size(); ++l) rep.layers[l].activation_sparsity = s[l];
  rep.activation_sparsity = network_activation_sparsity(net, p.zero_activation_codes, images);
}

void run_cycle_mode(const RunOptions& opt, const ArchitectureParams& arch, const Network& net, WeightMemory& wm,
                    const Dataset& test, const std::vector<LayerTiming>& timing, const std::string& vcd_file,
                    RunReport& rep) {
  CycleRunOptions cycle;
  if (!opt.vcd_path.empty()) {
    cycle.trace.vcd_file = vcd_file;
    cycle.trace.layer = opt.trace_layer;
    cycle.trace.first_cycle = opt.trace_from_cycle;
    cycle.trace.last_cycle = opt.trace_to_cycle;
  }
  CycleProgressPrinter progress(arch, net, timing, test.count, opt.quiet ? nullptr : stderr);
  progress.announce();
  if (!opt.quiet)
    cycle.progress = [&](int64_t image, int layer, int64_t layer_cycle) { progress.update(image, layer, layer_cycle); };
  const PointPrediction p = predict_point(RunMode::Cycle, arch, net, &wm, {}, test, 1, cycle);
  const std::vector<ImageRun>& runs = p.cycle_runs;
  for (size_t l = 0; l < rep.layers.size(); ++l) {
    LayerReport& L = rep.layers[l];
    for (const ImageRun& r : runs) {
      L.cycles += r.layers[l].cycles;
      L.stall_cycles += r.layers[l].stall_cycles;
      L.counts += r.layers[l].counts;
    }
    L.weight_sram_reads = L.counts.weight_sram_reads;
    L.folds = runs.empty() ? 0 : runs[0].layers[l].timing.folds;
    L.utilization = runs.empty() ? 0 : runs[0].layers[l].timing.utilization;
    L.mapping_efficiency = runs.empty() ? 0 : runs[0].layers[l].timing.mapping_efficiency;
    L.compute_utilization = runs.empty() ? 0 : runs[0].layers[l].timing.compute_utilization;
  }
  rep.predictions = p.predictions;
  report_cycle_weight_errors(runs, rep.faults);
  fill_activation_sparsity(net, p, test.count, rep);
}

/// Accuracy with faults and clean, and the robust error, from the predictions and the labels.
void fill_accuracy(const Dataset& test, bool robust_error, RunReport& rep) {
  const AccuracyCounts a = count_accuracy(rep.predictions, rep.predictions_clean, test);
  rep.labels.assign(test.labels.begin(), test.labels.begin() + test.count);
  rep.correct = a.correct;
  const double n = double(std::max<int64_t>(rep.images, 1));
  rep.accuracy = double(rep.correct) / n;
  rep.accuracy_clean = double(a.correct_clean) / n;
  if (robust_error) rep.robust_error = double(a.robust_wrong) / n;
}

/// Totals, simulated time and energy (per layer, per run, per model load) from the counted actions.
void fill_time_and_energy(const EnergyModel& energy_model, const OperatingPoint& op, const ArchitectureParams& arch,
                          const Network& net, RunReport& rep) {
  for (auto& L : rep.layers) {
    rep.counts += L.counts;
    rep.total_cycles += L.cycles;
  }
  rep.simulated_time_s = double(rep.total_cycles) / op.clock_hz;
  rep.simulated_images_per_second = rep.simulated_time_s > 0 ? double(rep.images) / rep.simulated_time_s : 0.0;
  rep.energy = energy_model.cost(rep.counts, op, rep.images);
  // Loading resident weights happens once, outside the inferences: costed and reported apart.
  // Streamed weights are loaded by every inference (in its layers' counts): no model load.
  rep.weights_streamed = arch.weight_sram.streamed;
  if (!rep.weights_streamed) {
    rep.model_load_counts = model_load_counts(arch, net, op.clock_hz);
    rep.model_load_energy = energy_model.cost(rep.model_load_counts, op, 1);
  }
  rep.inferences_per_model_load = arch.inferences_per_model_load;
  rep.dram_bandwidth_bytes_per_s = arch.dram_bandwidth_bytes_per_s;
  for (auto& L : rep.layers) {
    const EnergyBreakdown b = energy_model.breakdown(L.counts, op);
    L.energy_pj = b.total_pj();
    L.energy_breakdown_pj = b.to_json();
    L.gating_saved_energy_per_inference_pj =
        energy_model.gating_saved_energy_pj(L.counts, op) / double(std::max<int64_t>(rep.images, 1));
  }
}

/// What a run works on, loaded and checked once: the network (requantized, calibrated and
/// finalized), the test images, the hardware and the operating point.
struct RunInputs {
  Network net;
  Dataset test;
  ArchitectureParams arch;
  TechnologyParams tech;
  OperatingPoint op;
  bool calibrated = false;
};

/// Output locations first: SystemC's VCD writer dies with SIGFPE when its file cannot be opened,
/// and a run must not fail after minutes of simulation for a typo.
void check_outputs_and_threads(const RunOptions& opt) {
  if (!opt.output_path.empty()) check_output_location(opt.output_path, "--output");
  if (!opt.compute_report_path.empty()) check_output_location(opt.compute_report_path, "--compute-report");
  // One SystemC kernel per process, single-threaded: say so rather than silently ignore.
  if (opt.mode == RunMode::Cycle && opt.threads > 1)
    throw ConfigError(located("--threads", "", "cycle mode runs one SystemC simulation on one thread"));
}

/// The hardware and the operating point, checked against the network (before any calibration).
void load_hardware(const RunOptions& opt, const Network& net, RunInputs& in) {
  if (!opt.dump_layers_dir.empty()) check_layer_dump(opt.dump_layers_dir, net, in.test.count);
  // A layer the network does not have would trace nothing (issue 14: accepted silently).
  if (!opt.vcd_path.empty() && (opt.trace_layer < -1 || opt.trace_layer >= int64_t(net.layers.size())))
    throw ConfigError(located("--trace-layer", "",
                              std::to_string(opt.trace_layer) + " is not a layer of " + opt.network_path + " (0.." +
                                  std::to_string(net.layers.size() - 1) + ", or -1 for all)"));
  in.arch = load_architecture(opt.arch_path);
  in.arch.check_fits(net);
  in.tech = load_technology(opt.tech_path);
  const OperatingPoint nominal = nominal_operating_point(in.tech);
  check_operating_point_inputs(opt, in.tech, in.arch);
  in.op = make_operating_point(in.tech, opt.v_sram_v.value_or(nominal.v_sram_v),
                               opt.v_logic_v.value_or(nominal.v_logic_v), opt.clock_mode, in.arch.clock_hz);
  // Cycles are counted at the clock the run uses (streamed weights' DRAM bursts take bandwidth /
  // clock bytes per cycle).
  in.arch.clock_hz = in.op.clock_hz;
}

RunInputs load_run_inputs(const RunOptions& opt, int threads) {
  RunInputs in{opt.network ? *opt.network : load_network(opt.network_path), Dataset{}, {}, {}, {}};
  in.test = load_dataset(opt.data_dir, Split::Test, opt.images);
  NetworkPreparation prep;
  prep.weight_bits = opt.weight_bits;
  prep.norm_params_in_sram = opt.norm_params_in_sram;
  prep.data_dir = opt.data_dir;
  prep.calib_images = opt.calib_images;
  prep.calib_method = opt.calib_method;
  prep.threads = threads;
  in.calibrated = prepare_network(in.net, in.test, prep, [&](const Network& net) { load_hardware(opt, net, in); });
  in.arch = map_layers(in.arch, in.net, &in.tech);  // each layer's dataflow when the array supports several
  return in;
}

/// The report's description of the run and of every layer, before anything is simulated.
RunReport describe_run(const RunOptions& opt, const RunInputs& in, int threads) {
  RunReport rep;
  rep.calibrated = in.calibrated;
  rep.network_name = in.net.name;
  rep.network_file = opt.network_path;
  rep.data_dir = opt.data_dir;
  rep.mode = opt.mode;
  rep.threads = opt.mode == RunMode::Cycle ? 1 : threads;  // one SystemC kernel, one thread
  rep.images = in.test.count;
  rep.macs_per_image = in.net.total_macs();
  rep.arch_name = in.arch.name;
  rep.mapping = describe_mapping(in.arch);
  rep.weight_prefetch = in.arch.weight_prefetch;
  rep.post_processing_overlap = in.arch.post_processing_overlap;
  rep.array_rows = in.arch.rows;
  rep.array_cols = in.arch.cols;
  rep.clock_hz = in.op.clock_hz;
  rep.technology = in.tech.name;
  rep.energy_unit = in.tech.energy_unit;
  for (const Layer& l : in.net.layers) {
    LayerReport r;
    r.name = l.name;
    r.type = layer_type_name(l.type);
    r.input_shape = l.in_shape;
    r.output_shape = l.out_shape;
    r.macs_per_image = l.macs();
    r.weights = int64_t(l.weight.stored.size());
    r.weight_bits = l.has_parameters() ? l.weight.bits : 0;
    if (in.arch.maps_layers() && l.has_weights())
      r.dataflow = dataflow_name(in.arch.dataflow_of(int(rep.layers.size())));
    rep.layers.push_back(r);
  }
  return rep;
}

/// The weights as the faulty SRAM delivers them, and the transient read errors on top.
struct RunWeights {
  LayerWeights faulty;
  std::unique_ptr<TransientReadErrors> transient;
  bool weights_differ = false;
};

RunWeights read_run_weights(const RunOptions& opt, const RunInputs& in, WeightMemory& wm, RunReport& rep) {
  RunWeights w;
  std::optional<FaultSource> source = choose_fault_source(opt, in.tech, fault_geometry(in.arch.weight_sram));
  rep.faults = apply_faults(opt, source, in.op, in.arch, wm);
  // The functional paths count the faults in one bulk read of every word; cycle mode reports what
  // its own reads counted instead (report_cycle_weight_errors).
  FaultReport bulk_read = rep.faults;
  w.faulty = read_all_weights(in.net, wm, bulk_read);
  if (opt.mode == RunMode::Cycle)
    rep.faults.bits_stored = bulk_read.bits_stored;
  else
    rep.faults = bulk_read;
  // Transient read errors act on every read from here on (per image and layer): --transient-ber,
  // and a source whose chips also err transiently at this voltage (a measured chip profile).
  const double transient_ber =
      combined_transient_ber(opt.transient_ber, source ? source->transient_ber_at(in.op.v_sram_v) : 0.0);
  w.weights_differ = bulk_read.weights_changed > 0 || transient_ber > 0;
  if (transient_ber > 0) {
    w.transient =
        std::make_unique<TransientReadErrors>(transient_ber, fault_geometry(in.arch.weight_sram), opt.chip_seed);
    wm.set_transient(w.transient.get());
    rep.faults.transient_ber = transient_ber;
  }
  return w;
}

/// Predictions, cycles and counts in the chosen mode; wall time and throughput of the simulation.
void simulate(const RunOptions& opt, const RunInputs& in, WeightMemory& wm, const RunWeights& w,
              const std::vector<LayerTiming>& timing, const std::string& vcd_file, int threads, RunReport& rep) {
  const auto t0 = std::chrono::steady_clock::now();
  if (opt.mode == RunMode::Cycle) {
    run_cycle_mode(opt, in.arch, in.net, wm, in.test, timing, vcd_file, rep);
  } else {
    const PointPrediction p = predict_point(opt.mode, in.arch, in.net, &wm, w.faulty, in.test, threads);
    rep.predictions = p.predictions;
    rep.faults.transient_bit_errors += p.transient_bit_errors;
    fill_layers_from_timing(rep, timing, in.test.count);
    for (size_t l = 0; l < rep.layers.size(); ++l) rep.layers[l].counts += p.zero_operand_counts[l];
    fill_activation_sparsity(in.net, p, in.test.count, rep);
  }
  rep.wall_time_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  rep.images_per_second = rep.wall_time_s > 0 ? double(rep.images) / rep.wall_time_s : 0.0;
}

/// The compute report and the per-layer dumps, staged with the run's other outputs.
void write_side_outputs(const RunOptions& opt, const RunInputs& in, WeightMemory& wm, const RunWeights& w,
                        const std::vector<LayerTiming>& timing, StagedOutputs& outputs) {
  if (!opt.compute_report_path.empty()) {
    std::ostringstream csv;
    write_compute_report_csv(csv, in.net, timing, &in.arch);
    outputs.stage(opt.compute_report_path, csv.str(), "--compute-report");
  }
  if (opt.dump_layers_dir.empty()) return;
  // The weights each image read: the persistent faults, and its own transient errors if any (read
  // for one image at a time).
  LayerWeights image_weights;
  const ImageWeights weights_of_image = [&](int64_t i) -> const LayerWeights& {
    if (!w.transient) return w.faulty;
    FaultReport scratch;  // already counted by the prediction pass
    read_image_weights(in.net, wm, i, w.faulty, image_weights, scratch);
    return image_weights;
  };
  dump_layers(opt.dump_layers_dir, in.net, in.test, weights_of_image);
}

}  // namespace

RunReport run(const RunOptions& opt, StagedOutputs& outputs) {
  check_outputs_and_threads(opt);
  // The VCD is written to a staged temporary file, renamed into place with the other outputs once
  // everything succeeded.
  const std::string vcd_file = opt.vcd_path.empty() ? "" : outputs.reserve(vcd_target(opt.vcd_path), "--vcd", ".vcd");
  const int threads = resolve_threads(opt.threads);
  const RunInputs in = load_run_inputs(opt, threads);
  const EnergyModel energy_model(in.tech, energy_hardware(in.arch));
  RunReport rep = describe_run(opt, in, threads);

  // The weight SRAM holds the network; faults act on its cells; every path reads through it.
  WeightMemory wm(in.arch.weight_sram, in.net);
  const RunWeights w = read_run_weights(opt, in, wm, rep);
  std::vector<LayerTiming> timing;
  for (size_t l = 0; l < in.net.layers.size(); ++l) timing.push_back(layer_timing(in.arch, in.net, int(l)));
  simulate(opt, in, wm, w, timing, vcd_file, threads, rep);

  // Clean reference: the same network with the weights as stored (no faults); only run again when
  // the faults changed something.
  rep.predictions_clean = w.weights_differ
                              ? run_functional(opt.mode == RunMode::Golden ? RunMode::Golden : RunMode::Fast, in.net,
                                               stored_weights(in.net), in.test, threads)
                              : rep.predictions;
  fill_accuracy(in.test, opt.robust_error, rep);
  fill_time_and_energy(energy_model, in.op, in.arch, in.net, rep);
  write_side_outputs(opt, in, wm, w, timing, outputs);
  return rep;
}

RunReport run(const RunOptions& opt) {
  StagedOutputs outputs;
  RunReport rep = run(opt, outputs);
  outputs.commit();
  return rep;
}

}  // namespace lvsim
