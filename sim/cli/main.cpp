// lvsim command line: parses options into typed structs, calls the library, prints reports.
// Only this file decides exit codes: 0 success, 2 bad input or configuration (one line on
// stderr, nothing on stdout, no output file), 1 internal error.
#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/errors.h"
#include "common/output_file.h"
#include "sim/cli/chip_command.h"
#include "sim/cli/import_command.h"
#include "sim/cli/option_values.h"
#include "sim/cli/recost.h"
#include "sim/cli/run.h"
#include "sim/cli/topology_run.h"
#include "sim/cli/validate_command.h"
#include "sim/study/explore.h"
#include "sim/study/study_comm.h"
#include "sim/study/study_spec.h"
#include "sim/study/sweep.h"
#include "sim/version.h"

namespace {

/// `lvsim sweep` as typed: a study file and/or flags that override it (empty / unset: not given).
struct SweepCommandLine {
  std::string study_path;
  std::vector<std::string> networks;  // FILE or NAME=FILE
  std::string data_dir, arch_path, tech_path, mode, calib, voltages, ber_list, chips, ber_model;
  std::optional<int64_t> images, calib_images;
  std::optional<double> v_logic_v, v_sram_v, stuck_at_1_fraction, transient_ber, ci_width;
  std::optional<int> min_chips;
  std::vector<double> max_drop;
  std::vector<double> max_rerr_increase;
  lvsim::StudyExecution exec;
  bool no_reuse = false;
};

struct CommandLine {
  lvsim::RunOptions run;
  lvsim::ChipCommandOptions chip;
  lvsim::RecostOptions recost;
  bool json = false;
  std::string output;
  std::string trace_cycles;
  std::string clock_mode = "fixed";
  std::optional<double> voltage_alias;
  std::string mode = "fast";
  std::string calib = "min-max";
  std::string norm_params = "sram";
  bool trace_layer_given = false;
  std::string topology_path;  // run --topology: a SCALE-Sim topology instead of --network/--data
  SweepCommandLine sweep;
  std::string chip_voltages;  // chip --voltages, parsed as sweep's (parse_value_list)
  std::string exploration_path;
  lvsim::StudyExecution explore_exec;
  bool explore_force = false;
};

/// A seed: a plain decimal integer in [0, 2^64 - 1] (no sign, no blanks: "-1" must not wrap).
CLI::Validator seed_value() {
  return CLI::Validator([](std::string& s) { return lvsim::seed_problem(s); }, "SEED");
}

CLI::Validator positive_integer() {
  return CLI::Validator([](std::string& s) { return lvsim::positive_integer_problem(s); }, "POSITIVE");
}

void add_run_command(CLI::App& app, CommandLine& cl) {
  lvsim::RunOptions& o = cl.run;
  CLI::App* run =
      app.add_subcommand("run", "Run a quantized network on a test set: accuracy, cycles, faults and energy");
  run->add_option("--network", o.network_path, "Network file (lvsim-network JSON); required unless --topology");
  run->add_option("--data", o.data_dir, "Data set directory (IDX: MNIST/Fashion-MNIST, or CIFAR-10 binary)");
  run->add_option("--topology", cl.topology_path,
                  "SCALE-Sim topology CSV instead of a network: timing and energy per layer, no weights or data");
  run->add_option("--images", o.images, "Test images to evaluate (default: all)")->check(positive_integer());
  run->add_option("--threads", o.threads, "Worker threads (default: all cores)")->check(positive_integer());
  run->add_option("--mode", cl.mode,
                  "golden (reference engine), fast (integer GEMMs + closed-form timing), cycle (SystemC)")
      ->check(CLI::IsMember({"golden", "fast", "cycle"}));
  run->add_option("--calib-images", o.calib_images, "Training images for activation calibration (default 512)")
      ->check(positive_integer());
  run->add_option("--calib", cl.calib, "Calibration: min-max or percentile")
      ->check(CLI::IsMember({"min-max", "percentile"}));
  run->add_option("--weight-bits", o.weight_bits,
                  "Re-quantize the weights to this many bits (2..8; robust scheme, from the weights as held)")
      ->check(CLI::Range(2, 8));
  run->add_option("--norm-params", cl.norm_params,
                  "Where groupnorm parameters live: sram (default; in the weight SRAM, faults apply) or register "
                  "(a protected register file)")
      ->check(CLI::IsMember({"sram", "register"}));
  run->add_option("--arch", o.arch_path, "Architecture file (default: built-in presets/arch/edge-16x16.json)");
  run->add_option("--tech", o.tech_path, "Technology file (default: built-in presets/tech/45nm.json)");
  run->add_option("--v-sram", o.v_sram_v, "Weight-SRAM supply voltage in V (default: nominal)");
  run->add_option("--voltage", cl.voltage_alias, "Same as --v-sram");
  run->add_option("--v-logic", o.v_logic_v, "Array/logic supply voltage in V (default: nominal)");
  run->add_option("--clock-mode", cl.clock_mode,
                  "fixed (architecture clock, checked against f_max), follow_fmax, scale_nominal");
  run->add_option("--chip-seed", o.chip_seed, "Simulated chip (seed of its bit-cell failure map)")->check(seed_value());
  run->add_option("--ber", o.ber,
                  "Rate fault model instead of the chip model: with bit_flip, every stored bit flips with this "
                  "probability (the bit error rate); with stuck_at, the fraction of stuck cells")
      ->check(CLI::Range(0.0, 1.0));
  run->add_option("--ber-model", o.ber_model, "bit_flip (default) or stuck_at (with --ber)");
  run->add_option("--stuck-cell-fraction", o.stuck_cell_fraction,
                  "Fraction of weight-SRAM cells stuck (stuck_at model; the measured bit error rate is about "
                  "half of it); same as --ber F --ber-model stuck_at")
      ->check(CLI::Range(0.0, 1.0));
  run->add_option("--stuck-at-1-fraction", o.stuck_at_1_fraction,
                  "stuck_at model: share of the stuck cells stuck at 1 (default 0.5)")
      ->check(CLI::Range(0.0, 1.0));
  run->add_option("--fault-map", o.fault_map_path,
                  "Profiled fault map file (docs/fault-maps.md) instead of the chip model");
  run->add_flag("--fault-map-tile", o.fault_map_tile, "Repeat a smaller fault map over the weight SRAM");
  run->add_option("--transient-ber", o.transient_ber, "Transient read errors per bit, fresh per image and layer")
      ->check(CLI::Range(0.0, 1.0));
  run->add_flag("--robust-error", o.robust_error, "Also report the robust error (wrong clean or with faults)");
  run->add_option("--vcd", o.vcd_path, "Cycle mode: write a VCD trace to this file");
  run->add_option("--trace-layer", o.trace_layer, "Cycle mode: layer index to trace (-1: all)");
  run->add_option("--trace-cycles", cl.trace_cycles, "Cycle mode: cycle window A:B within the traced layer");
  run->add_option("--dump-layers", o.dump_layers_dir,
                  "Write every layer's output codes and values of the evaluated images as .npy files here");
  run->add_option("--compute-report", o.compute_report_path,
                  "Write per-layer SCALE-Sim COMPUTE_REPORT.csv columns here");
  run->add_flag("--json", cl.json, "Write the report as one JSON object to stdout");
  run->add_option("--output", cl.output, "Also write the JSON report to this file (atomically)");
  run->add_flag("--quiet", o.quiet, "Cycle mode: no progress on stderr");
}

void add_chip_command(CLI::App& app, CommandLine& cl) {
  lvsim::ChipCommandOptions& o = cl.chip;
  CLI::App* chip =
      app.add_subcommand("chip", "Describe a simulated chip's weight-SRAM failures vs voltage; export its fault map");
  chip->add_option("--arch", o.arch_path, "Architecture file: weight-SRAM geometry (default: built-in edge-16x16)");
  chip->add_option("--tech", o.tech_path, "Technology file: bit-cell failure model (default: built-in 45nm)");
  chip->add_option("--chip-seed", o.chip_seed, "Simulated chip (seed)")->check(seed_value());
  chip->add_option("--voltages", cl.chip_voltages,
                   "Voltages of the BER table (V): FROM:TO:STEP (e.g. 0.90:0.70:-0.05) or a,b,c");
  chip->add_option("--voltage", o.voltage_v, "Per-bank and per-type counts at this voltage (default: the lowest)");
  chip->add_option("--export", o.export_path, "Write the chip's fault map to this file");
  chip->add_option("--export-voltage", o.export_voltage_v, "Export only the cells failing at this voltage");
  chip->add_flag("--json", cl.json, "Write the report as JSON");
}

void add_recost_command(CLI::App& app, CommandLine& cl) {
  lvsim::RecostOptions& o = cl.recost;
  CLI::App* rc = app.add_subcommand(
      "recost", "Energy of a saved `lvsim run --json` report under another technology, voltages or clock");
  rc->add_option("--report", o.report_path, "A saved `lvsim run --json` report (its action_counts)")->required();
  rc->add_option("--arch", o.arch_path, "Architecture file: sizes and gating (default: built-in edge-16x16)");
  rc->add_option("--tech", o.tech_path, "Technology file (default: built-in presets/tech/45nm.json)");
  rc->add_option("--v-sram", o.v_sram_v, "Weight-SRAM voltage in V (default: nominal)");
  rc->add_option("--v-logic", o.v_logic_v, "Array/logic voltage in V (default: nominal)");
  rc->add_option("--clock-mode", o.clock_mode, "fixed (architecture clock), follow_fmax or scale_nominal");
  rc->add_flag("--json", cl.json, "Write the result as one JSON object to stdout");
  rc->add_option("--output", cl.output, "Also write the JSON result to this file (atomically)");
}

void add_sweep_command(CLI::App& app, CommandLine& cl) {
  SweepCommandLine& o = cl.sweep;
  CLI::App* sw = app.add_subcommand(
      "sweep", "Study accuracy and energy over weight-SRAM voltages (or bit error rates) and many chips");
  sw->add_option("--study", o.study_path, "Study file (docs/studies.md); the options below override it");
  sw->add_option("--network", o.networks, "Network file, or NAME=FILE; repeat to compare networks on the same chips");
  sw->add_option("--data", o.data_dir, "Data set directory (IDX or CIFAR-10 binary)");
  sw->add_option("--images", o.images, "Test images per point (default: all)")->check(positive_integer());
  sw->add_option("--arch", o.arch_path, "Architecture file (default: built-in edge-16x16)");
  sw->add_option("--tech", o.tech_path, "Technology file (default: built-in 45nm)");
  sw->add_option("--voltages", o.voltages, "Weight-SRAM voltages: FROM:TO:STEP (e.g. 0.90:0.70:-0.01) or a,b,c");
  sw->add_option("--ber-list", o.ber_list, "Bit error rates instead of voltages: FROM:TO:STEP or a,b,c");
  sw->add_option("--chips", o.chips, "Chips: N (seeds 1..N), FIRST..LAST, or a,b,c");
  sw->add_option("--ber-model", o.ber_model, "With --ber-list: bit_flip or stuck_at");
  sw->add_option("--stuck-at-1-fraction", o.stuck_at_1_fraction, "stuck_at: share of stuck cells stuck at 1");
  sw->add_option("--transient-ber", o.transient_ber, "Transient read errors per bit, fresh per image and layer");
  sw->add_option("--v-logic", o.v_logic_v, "Array/logic voltage in V (default: nominal)");
  sw->add_option("--v-sram", o.v_sram_v, "With --ber-list: the weight-SRAM voltage energy is costed at");
  sw->add_option("--max-drop", o.max_drop, "Accuracy-drop thresholds (fractions), e.g. 0.01,0.025")->delimiter(',');
  sw->add_option("--max-rerr-increase", o.max_rerr_increase,
                 "Robust-error thresholds: largest RErr increase over the clean test error (fractions), e.g. 0.01")
      ->delimiter(',');
  sw->add_option("--ci-width", o.ci_width, "Adaptive chip count: stop adding chips once the 95% CI is this narrow");
  sw->add_option("--min-chips", o.min_chips, "Adaptive chip count: at least this many chips (default 5)");
  sw->add_option("--mode", o.mode, "fast (default), golden or cycle (SystemC; small studies)")
      ->check(CLI::IsMember({"golden", "fast", "cycle"}));
  sw->add_option("--calib-images", o.calib_images, "Training images for activation calibration (default 512)")
      ->check(positive_integer());
  sw->add_option("--calib", o.calib, "Calibration: min-max or percentile")
      ->check(CLI::IsMember({"min-max", "percentile"}));
  sw->add_option("--threads", o.exec.threads, "Worker threads per process (default: all cores)")
      ->check(positive_integer());
  sw->add_option("--out", o.exec.out_dir, "Output directory (results, journal, report.html)")->required();
  sw->add_flag("--quiet", o.exec.quiet, "No progress on stderr");
  sw->add_flag("--no-reuse", o.no_reuse, "Run every point even when its weights are unchanged (same results)");
}

/// `lvsim import` and `lvsim calibrate` as typed (scheme flags unset: not given).
struct ImportCommandLine {
  lvsim::ImportCommandOptions import;
  lvsim::CalibrateCommandOptions calibrate;
  std::optional<int> bits;
  std::string granularity, symmetry, storage, rounding, calib = "min-max";
  std::optional<double> clip;
};

void add_import_command(CLI::App& app, ImportCommandLine& ic) {
  lvsim::ImportCommandOptions& o = ic.import;
  CLI::App* im = app.add_subcommand("import", "Import an ONNX model (float or QDQ) into a network file");
  im->add_option("model", o.model_path, "ONNX model file")->required();
  im->add_option("--out", o.out_path, "Network file to write (atomically)")->required();
  im->add_option("--bits", ic.bits, "Float weights: quantize at this many bits (2..8), robust scheme by default")
      ->check(CLI::Range(2, 8));
  im->add_option("--granularity", ic.granularity, "per_tensor or per_channel (with --bits)");
  im->add_option("--symmetry", ic.symmetry, "asymmetric or symmetric (with --bits)");
  im->add_option("--storage", ic.storage, "unsigned or twos_complement (with --bits)");
  im->add_option("--rounding", ic.rounding, "round or truncate (with --bits)");
  im->add_option("--clip", ic.clip, "Clip float weights to [-w, w] before quantizing (with --bits)");
  im->add_option("--pixel-scale", o.onnx.pixel_scale, "Preprocessing: raw pixel p -> p * S (e.g. 0.00392156862745098)");
  im->add_option("--mean", o.onnx.mean, "Preprocessing: per-channel mean, comma separated")->delimiter(',');
  im->add_option("--std", o.onnx.std, "Preprocessing: per-channel standard deviation, comma separated")->delimiter(',');
  im->add_option("--name", o.onnx.name, "Network name (default: the model file's name)");
  im->add_option("--calib-data", o.calib.data, "Calibrate now on this data set's training split (directory or .npz)");
  im->add_option("--calib-images", o.calib.images, "Training images for calibration (default 512)")
      ->check(positive_integer());
  im->add_option("--calib", ic.calib, "Calibration: min-max or percentile")
      ->check(CLI::IsMember({"min-max", "percentile"}));
  im->add_option("--threads", o.calib.threads, "Worker threads (default: all cores)")->check(positive_integer());

  lvsim::CalibrateCommandOptions& c = ic.calibrate;
  CLI::App* ca = app.add_subcommand("calibrate", "Calibrate a network file or model and save it quantized");
  ca->add_option("--network", c.network_path, "Network file or ONNX model")->required();
  ca->add_option("--data", c.calib.data, "Data set whose training split calibrates (directory or .npz)")->required();
  ca->add_option("--out", c.out_path, "Network file to write (atomically)")->required();
  ca->add_option("--calib-images", c.calib.images, "Training images for calibration (default 512)")
      ->check(positive_integer());
  ca->add_option("--calib", ic.calib, "Calibration: min-max or percentile")
      ->check(CLI::IsMember({"min-max", "percentile"}));
  ca->add_option("--threads", c.calib.threads, "Worker threads (default: all cores)")->check(positive_integer());
}

/// Runs `lvsim import` or `lvsim calibrate`; the summary line goes to stdout.
void run_import_command(const CLI::App& app, ImportCommandLine& ic) {
  const auto method = lvsim::calibration_method_from_name(ic.calib, "--calib");
  std::string text;
  if (app.got_subcommand("calibrate")) {
    ic.calibrate.calib.method = method;
    text = lvsim::run_calibrate_command(ic.calibrate);
  } else {
    ic.import.calib.method = method;
    ic.import.onnx.weight_scheme =
        lvsim::weight_scheme_from_options(ic.bits, ic.granularity, ic.symmetry, ic.storage, ic.rounding, ic.clip);
    text = lvsim::run_import_command(ic.import);
  }
  std::fwrite(text.data(), 1, text.size(), stdout);
}

/// The study: the file if given, then every flag given on top of it.
lvsim::StudySpec sweep_spec(const SweepCommandLine& o) {
  lvsim::StudySpec s;
  const bool file = !o.study_path.empty();
  if (file) s = lvsim::read_study_file(o.study_path);
  const std::string origin = file ? o.study_path : "command line";
  if (!o.networks.empty()) {
    s.networks.clear();
    for (const std::string& n : o.networks) {
      const size_t eq = n.find('=');
      s.networks.push_back(eq == std::string::npos ? lvsim::StudyNetwork{"", n}
                                                   : lvsim::StudyNetwork{n.substr(0, eq), n.substr(eq + 1)});
    }
  }
  if (!o.data_dir.empty()) s.data_dir = o.data_dir;
  if (o.images) s.images = *o.images;
  if (!o.arch_path.empty()) s.arch_path = o.arch_path;
  if (!o.tech_path.empty()) s.tech_path = o.tech_path;
  if (!o.voltages.empty() && !o.ber_list.empty())
    throw lvsim::ConfigError("command line: --voltages: give either --voltages or --ber-list, not both");
  if (!o.voltages.empty()) {
    s.axis = lvsim::StudyAxis::VSram;
    s.values = lvsim::parse_value_list(o.voltages, "command line: --voltages");
    s.fault_model = "chip";
    s.v_sram_v.reset();
  }
  if (!o.ber_list.empty()) {
    s.axis = lvsim::StudyAxis::Ber;
    s.values = lvsim::parse_value_list(o.ber_list, "command line: --ber-list");
    if (s.fault_model == "chip") s.fault_model = "bit_flip";
  }
  if (!o.ber_model.empty()) {
    if (o.ber_model != "bit_flip" && o.ber_model != "stuck_at")
      throw lvsim::ConfigError("command line: --ber-model: expected bit_flip or stuck_at, got \"" + o.ber_model + "\"");
    if (s.axis != lvsim::StudyAxis::Ber) throw lvsim::ConfigError("command line: --ber-model: needs --ber-list");
    s.fault_model = o.ber_model;
  }
  if (!o.chips.empty()) s.chip_seeds = lvsim::parse_chip_list(o.chips, "command line: --chips");
  if (o.stuck_at_1_fraction) s.stuck_at_1_fraction = *o.stuck_at_1_fraction;
  if (o.transient_ber) s.transient_ber = *o.transient_ber;
  if (o.v_logic_v) s.v_logic_v = o.v_logic_v;
  if (o.v_sram_v) s.v_sram_v = o.v_sram_v;
  if (!o.max_drop.empty()) s.max_drop = o.max_drop;
  if (!o.max_rerr_increase.empty()) s.max_rerr_increase = o.max_rerr_increase;
  if (o.ci_width) s.ci_width = o.ci_width;
  if (o.min_chips) {
    if (!s.ci_width) throw lvsim::ConfigError("command line: --min-chips: needs --ci-width (an adaptive chip count)");
    s.min_chips = *o.min_chips;
  }
  if (!o.mode.empty()) s.mode = lvsim::run_mode_from_name(o.mode, "command line: --mode");
  if (o.calib_images) s.calib_images = *o.calib_images;
  if (!o.calib.empty()) s.calib_method = lvsim::calibration_method_from_name(o.calib, "--calib");
  if (!file) {  // without a study file these have no default
    if (s.networks.empty()) throw lvsim::ConfigError("command line: --network: required (or give --study)");
    if (s.data_dir.empty()) throw lvsim::ConfigError("command line: --data: required (or give --study)");
    if (s.values.empty())
      throw lvsim::ConfigError("command line: --voltages: give --voltages or --ber-list (or --study)");
    if (s.chip_seeds.empty()) throw lvsim::ConfigError("command line: --chips: required (or give --study)");
  }
  lvsim::sort_study_values(s);
  s.validate(origin);
  return s;
}

int run_sweep_command(const SweepCommandLine& o) {
  // MPI (when launched by mpirun) is set up before anything else, so every rank fails alike on bad
  // input; only rank 0 speaks.
  const std::unique_ptr<lvsim::StudyComm> comm = lvsim::make_study_comm();
  try {
    lvsim::StudyExecution exec = o.exec;
    exec.reuse = !o.no_reuse;
    const lvsim::SweepOutcome r = lvsim::run_sweep(sweep_spec(o), exec, *comm);
    if (comm->rank() == 0) std::fwrite(r.summary_text.data(), 1, r.summary_text.size(), stdout);
    if (comm->rank() == 0 && !exec.quiet)
      std::fprintf(stderr,
                   "sweep: %lld points (%lld run, %lld with the stored weights, %lld with the previous point's "
                   "weights, %lld from the journal) in %.1f s on %d process(es); report: %s/report.html\n",
                   static_cast<long long>(r.points), static_cast<long long>(r.computed),
                   static_cast<long long>(r.reused_clean), static_cast<long long>(r.reused_previous),
                   static_cast<long long>(r.from_journal), r.wall_time_s, comm->size(), r.out_dir.c_str());
  } catch (const lvsim::UserError& e) {
    if (comm->rank() == 0) std::fprintf(stderr, "lvsim: error: %s\n", e.what());
    return 2;
  }
  return 0;
}

void add_explore_command(CLI::App& app, CommandLine& cl) {
  CLI::App* ex = app.add_subcommand(
      "explore", "Architecture exploration: cycles, energy and the Pareto front over a grid of design points");
  ex->add_option("--exploration", cl.exploration_path, "Exploration file (docs/studies.md, \"Exploration\")")
      ->required();
  ex->add_option("--out", cl.explore_exec.out_dir, "Output directory (points, layers, report.html)")->required();
  ex->add_option("--threads", cl.explore_exec.threads, "Worker threads (default: all cores)")
      ->check(positive_integer());
  ex->add_flag("--force", cl.explore_force, "Run grids above the size limit");
  ex->add_flag("--quiet", cl.explore_exec.quiet, "No summary line on stderr");
}

int run_explore_command(const CommandLine& cl) {
  lvsim::ExploreSpec spec = lvsim::read_exploration_file(cl.exploration_path);
  spec.force = spec.force || cl.explore_force;
  spec.validate(cl.exploration_path);
  const lvsim::ExploreOutcome r = lvsim::run_explore(spec, cl.explore_exec);
  if (!cl.explore_exec.quiet)
    std::fprintf(stderr, "explore: %lld points (%lld feasible), %lld rows in %.2f s; report: %s/report.html\n",
                 static_cast<long long>(r.points), static_cast<long long>(r.feasible), static_cast<long long>(r.rows),
                 r.wall_time_s, cl.explore_exec.out_dir.c_str());
  return 0;
}

void finish_run_options(CommandLine& cl) {
  lvsim::RunOptions& o = cl.run;
  o.mode = lvsim::run_mode_from_name(cl.mode, "command line: --mode");
  o.calib_method = lvsim::calibration_method_from_name(cl.calib, "--calib");
  o.norm_params_in_sram = cl.norm_params == "sram";
  if (cl.voltage_alias) {
    if (o.v_sram_v) throw lvsim::ConfigError("command line: --voltage: give either --voltage or --v-sram, not both");
    o.v_sram_v = cl.voltage_alias;
  }
  o.clock_mode = lvsim::clock_mode_from_string(cl.clock_mode, "command line", "--clock-mode");
  if (!cl.trace_cycles.empty()) {
    const auto colon = cl.trace_cycles.find(':');
    try {
      if (colon == std::string::npos) throw std::invalid_argument("no colon");
      size_t used_a = 0, used_b = 0;
      o.trace_from_cycle = std::stoll(cl.trace_cycles.substr(0, colon), &used_a);
      o.trace_to_cycle = std::stoll(cl.trace_cycles.substr(colon + 1), &used_b);
      if (used_a != colon || used_b != cl.trace_cycles.size() - colon - 1 || o.trace_from_cycle < 0 ||
          o.trace_to_cycle < o.trace_from_cycle)
        throw std::invalid_argument("range");
    } catch (const std::exception&) {
      throw lvsim::ConfigError("command line: --trace-cycles: expected A:B with 0 <= A <= B, got \"" + cl.trace_cycles +
                               "\"");
    }
  } else if (!o.vcd_path.empty()) {
    o.trace_from_cycle = 0;
    o.trace_to_cycle = 1000;
  }
  lvsim::check_run_options(o);
  if (!cl.trace_cycles.empty() && o.vcd_path.empty())
    throw lvsim::ConfigError("command line: --trace-cycles: needs --vcd");
  if (cl.trace_layer_given && o.vcd_path.empty())
    throw lvsim::ConfigError("command line: --trace-layer: needs --vcd (a trace of cycle mode)");
}

// The options a topology run has no use for (no weights, no data, no cycle model per layer).
void check_topology_run_flags(const CLI::App& run) {
  for (const char* flag : {"--network",
                           "--data",
                           "--images",
                           "--threads",
                           "--mode",
                           "--calib-images",
                           "--calib",
                           "--chip-seed",
                           "--ber",
                           "--ber-model",
                           "--stuck-cell-fraction",
                           "--stuck-at-1-fraction",
                           "--fault-map",
                           "--fault-map-tile",
                           "--transient-ber",
                           "--robust-error",
                           "--vcd",
                           "--trace-layer",
                           "--trace-cycles",
                           "--dump-layers",
                           "--quiet"})
    if (run.count(flag) > 0)
      throw lvsim::ConfigError(std::string("command line: ") + flag +
                               ": not with --topology (a topology has no weights or data: closed-form timing and "
                               "energy only)");
}

void check_network_run_flags(const CommandLine& cl) {
  if (cl.run.network_path.empty())
    throw lvsim::ConfigError("command line: --network is required (or --topology FILE.csv for a SCALE-Sim topology)");
  if (cl.run.data_dir.empty()) throw lvsim::ConfigError("command line: --data is required with --network");
}

// lvsim run --topology: the report and the compute report written together at the end.
void run_topology_command(const CommandLine& cl) {
  const lvsim::TopologyReport rep = lvsim::run_topology(cl.run, cl.topology_path);
  const std::string json_text = rep.json.dump(2) + "\n";
  lvsim::StagedOutputs outputs;
  if (!cl.run.compute_report_path.empty())
    outputs.stage(cl.run.compute_report_path, rep.compute_report_csv, "--compute-report");
  if (!cl.output.empty()) outputs.stage(cl.output, json_text, "--output");
  outputs.commit();
  const std::string& s = cl.json ? json_text : rep.text;
  std::fwrite(s.data(), 1, s.size(), stdout);
}

void emit(const std::string& text, const std::string& json_text, bool json, const std::string& output) {
  if (!output.empty()) lvsim::write_file_atomically(output, json_text);
  const std::string& s = json ? json_text : text;
  std::fwrite(s.data(), 1, s.size(), stdout);
}

// CLI11's message in lvsim's words where it is unclear: an option given twice says so (CLI11:
// "--images: At Most 1 required but received 2").
std::string parse_error_text(const CLI::ParseError& e) {
  std::string s = e.what();
  const std::string at_most = ": At Most 1 required but received ";
  const size_t k = s.find(at_most);
  if (k != std::string::npos) s = s.substr(0, k) + ": given more than once (give it once)";
  return s;
}

// SystemC's main() prints a copyright banner to stderr before sc_main() unless this variable is
// set; lvsim keeps stderr for its own messages. Set during static initialisation, which runs
// before that main(); a value the user set is kept.
const bool kSystemCBannerOff = setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0) == 0;

}  // namespace

// SystemC's library provides main() and calls sc_main(): lvsim's entry point is sc_main so the
// cycle mode can elaborate and run the SystemC netlist in this process.
extern "C" int sc_main(int argc, char** argv) {
  CLI::App app{"lvsim: cycle-level simulator of a low-voltage DNN accelerator"};
  app.set_version_flag("--version", std::string("lvsim ") + lvsim::kVersion);
  app.require_subcommand(1);
  CommandLine cl;
  ImportCommandLine import_cl;
  add_run_command(app, cl);
  add_import_command(app, import_cl);
  add_chip_command(app, cl);
  add_recost_command(app, cl);
  add_sweep_command(app, cl);
  add_explore_command(app, cl);
  lvsim::ValidateCommandLine validate_cl;
  lvsim::add_validate_command(app, validate_cl);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::fprintf(stderr, "lvsim: error: command line: %s\n", parse_error_text(e).c_str());
    return 2;
  }

  try {
    cl.trace_layer_given = app.got_subcommand("run") && app.get_subcommand("run")->count("--trace-layer") > 0;
    if (app.got_subcommand("run") && !cl.topology_path.empty()) {
      check_topology_run_flags(*app.get_subcommand("run"));
      cl.run.output_path = cl.output;
      finish_run_options(cl);
      run_topology_command(cl);
    } else if (app.got_subcommand("run")) {
      check_network_run_flags(cl);
      cl.run.output_path = cl.output;
      finish_run_options(cl);
      // The report, the VCD trace and the compute report are written together at the end (staged,
      // then renamed): a run that fails leaves none of them.
      lvsim::StagedOutputs outputs;
      const lvsim::RunReport rep = lvsim::run(cl.run, outputs);
      const std::string json_text = rep.to_json().dump(2) + "\n";
      if (!cl.output.empty()) outputs.stage(cl.output, json_text, "--output");
      outputs.commit();
      emit(rep.to_text(), json_text, cl.json, "");
    } else if (app.got_subcommand("validate")) {
      return lvsim::run_validate_command(validate_cl);
    } else if (app.got_subcommand("explore")) {
      return run_explore_command(cl);
    } else if (app.got_subcommand("sweep")) {
      return run_sweep_command(cl.sweep);
    } else if (app.got_subcommand("import") || app.got_subcommand("calibrate")) {
      run_import_command(app, import_cl);
    } else if (app.got_subcommand("recost")) {
      lvsim::check_output_not_input(cl.output, "command line: --output",
                                    {{cl.recost.report_path, "the report file"},
                                     {cl.recost.arch_path, "the architecture file"},
                                     {cl.recost.tech_path, "the technology file"}});
      const nlohmann::json r = lvsim::recost(cl.recost);
      emit(lvsim::recost_text(r), r.dump(2) + "\n", cl.json, cl.output);
    } else if (app.got_subcommand("chip")) {
      if (app.get_subcommand("chip")->count("--voltages") > 0)
        cl.chip.voltages_v = lvsim::parse_voltage_list(cl.chip_voltages, "--voltages");
      const lvsim::ChipReport rep = lvsim::run_chip_command(cl.chip);
      emit(rep.text, rep.json.dump(2) + "\n", cl.json, "");
    }
  } catch (const lvsim::UserError& e) {
    std::fprintf(stderr, "lvsim: error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lvsim: internal error: %s\n", e.what());
    return 1;
  }
  return 0;
}
