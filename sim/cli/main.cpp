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
#include "sim/cli/run_option_table.h"
#include "sim/cli/sensitivity_command.h"
#include "sim/cli/study_options.h"
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
  lvsim::StudyInputOptions inputs;  // shared with lvsim sensitivity (sim/cli/study_options.h)
  std::string voltages, ber_list;
  std::optional<double> v_logic_v, v_sram_v, transient_ber, ci_width;
  std::optional<int> min_chips;
  std::vector<double> max_drop;
  std::vector<double> max_rerr_increase;
  lvsim::StudyExecution exec;
  bool no_reuse = false;
  bool no_layer_reuse = false;
  std::optional<int64_t> layer_reuse_mib;
};

struct CommandLine {
  lvsim::RunArguments run;
  lvsim::ChipCommandOptions chip;
  lvsim::RecostOptions recost;
  bool json = false;
  std::string output;
  SweepCommandLine sweep;
  std::string chip_voltages;  // chip --voltages, parsed as sweep's (parse_value_list)
  std::string exploration_path;
  lvsim::StudyExecution explore_exec;
  bool explore_force = false;
};

using lvsim::positive_integer;

/// A seed: a plain decimal integer in [0, 2^64 - 1] (no sign, no blanks: "-1" must not wrap).
CLI::Validator seed_value() {
  return CLI::Validator([](std::string& s) { return lvsim::seed_problem(s); }, "SEED");
}

// `lvsim run`: every entry of the run option table (sim/cli/run_option_table.h), its setter called
// with the option's text. A bad value throws ConfigError out of app.parse (exit 2, one line).
void add_run_command(CLI::App& app, CommandLine& cl) {
  CLI::App* run =
      app.add_subcommand("run", "Run a quantized network on a test set: accuracy, cycles, faults and energy");
  for (const lvsim::RunOptionEntry& e : lvsim::run_option_table()) {
    lvsim::RunArguments& args = cl.run;
    if (e.kind == lvsim::RunOptionKind::Flag) {
      run->add_flag_callback(
          e.cli_name, [&args, &e] { lvsim::set_run_option(args, e, ""); }, e.help);
      continue;
    }
    static const char* const kTypeNames[] = {"", "INT", "NUMBER", "TEXT", "PATH"};
    run->add_option_function<std::string>(
           e.cli_name, [&args, &e](const std::string& text) { lvsim::set_run_option(args, e, text); }, e.help)
        ->type_name(kTypeNames[int(e.kind)]);
  }
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
  lvsim::add_study_input_options(sw, o.inputs);
  sw->add_option("--voltages", o.voltages, "Weight-SRAM voltages: FROM:TO:STEP (e.g. 0.90:0.70:-0.01) or a,b,c");
  sw->add_option("--ber-list", o.ber_list, "Bit error rates instead of voltages: FROM:TO:STEP or a,b,c");
  sw->add_option("--transient-ber", o.transient_ber, "Transient read errors per bit, fresh per image and layer");
  sw->add_option("--v-logic", o.v_logic_v, "Array/logic voltage in V (default: nominal)");
  sw->add_option("--v-sram", o.v_sram_v, "With --ber-list: the weight-SRAM voltage energy is costed at");
  sw->add_option("--max-drop", o.max_drop, "Accuracy-drop thresholds (fractions), e.g. 0.01,0.025")->delimiter(',');
  sw->add_option("--max-rerr-increase", o.max_rerr_increase,
                 "Robust-error thresholds: largest RErr increase over the clean test error (fractions), e.g. 0.01")
      ->delimiter(',');
  sw->add_option("--ci-width", o.ci_width, "Adaptive chip count: stop adding chips once the 95% CI is this narrow");
  sw->add_option("--min-chips", o.min_chips, "Adaptive chip count: at least this many chips (default 5)");
  sw->add_option("--out", o.exec.out_dir, "Output directory (results, journal, report.html)")->required();
  sw->add_flag("--no-reuse", o.no_reuse, "Run every point even when its weights are unchanged (same results)");
  sw->add_flag("--no-layer-reuse", o.no_layer_reuse,
               "Run changed points from the first layer, not from their first changed one (same results)");
  sw->add_option("--layer-reuse-mib", o.layer_reuse_mib,
                 "Memory for the activations partial re-runs start from, MiB per set (default 256)")
      ->check(CLI::Range(int64_t(0), int64_t(1) << 20));
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
  if (!o.voltages.empty() && !o.ber_list.empty())
    throw lvsim::ConfigError("command line: --voltages: give either --voltages or --ber-list, not both");
  if (!o.voltages.empty())
    lvsim::set_study_axis(s, lvsim::StudyAxis::VSram, lvsim::parse_value_list(o.voltages, "command line: --voltages"));
  if (!o.ber_list.empty())
    lvsim::set_study_axis(s, lvsim::StudyAxis::Ber, lvsim::parse_value_list(o.ber_list, "command line: --ber-list"));
  lvsim::apply_study_input_options(o.inputs, s, "--ber-list");
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
    exec.threads = o.inputs.threads;
    exec.quiet = o.inputs.quiet;
    exec.reuse = !o.no_reuse;
    exec.layer_reuse = !o.no_layer_reuse;
    if (o.layer_reuse_mib) exec.layer_reuse_budget_bytes = *o.layer_reuse_mib << 20;
    const lvsim::SweepOutcome r = lvsim::run_sweep(sweep_spec(o), exec, *comm);
    if (comm->rank() == 0) std::fwrite(r.summary_text.data(), 1, r.summary_text.size(), stdout);
    if (comm->rank() == 0 && !exec.quiet)
      std::fprintf(
          stderr,
          "sweep: %lld points (%lld run, %lld with the stored weights, %lld with the previous point's "
          "weights, %lld from the journal; %lld of the run from a later layer on, %.1f%% of the MACs "
          "skipped) in %.1f s on %d process(es); report: %s/report.html\n",
          static_cast<long long>(r.points), static_cast<long long>(r.computed), static_cast<long long>(r.reused_clean),
          static_cast<long long>(r.reused_previous), static_cast<long long>(r.from_journal),
          static_cast<long long>(r.resumed),
          r.macs_run + r.macs_skipped > 0 ? 100.0 * double(r.macs_skipped) / double(r.macs_run + r.macs_skipped) : 0.0,
          r.wall_time_s, comm->size(), r.out_dir.c_str());
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

void emit(const std::string& text, const std::string& json_text, bool json, const std::string& output) {
  if (!output.empty()) lvsim::write_file_atomically(output, json_text);
  const std::string& s = json ? json_text : text;
  std::fwrite(s.data(), 1, s.size(), stdout);
}

// lvsim run --topology: the report and the compute report written together at the end.
void run_topology_command(const lvsim::RunArguments& a) {
  const lvsim::RunOptions& o = a.options;
  const lvsim::TopologyReport rep = lvsim::run_topology(o, a.topology_path);
  const std::string json_text = rep.json.dump(2) + "\n";
  lvsim::StagedOutputs outputs;
  if (!o.compute_report_path.empty()) outputs.stage(o.compute_report_path, rep.compute_report_csv, "--compute-report");
  if (!o.output_path.empty()) outputs.stage(o.output_path, json_text, "--output");
  outputs.commit();
  const std::string& s = a.json ? json_text : rep.text;
  std::fwrite(s.data(), 1, s.size(), stdout);
}

// lvsim run: the report, the VCD trace and the compute report are written together at the end
// (staged, then renamed): a run that fails leaves none of them.
void run_network_command(const lvsim::RunArguments& a) {
  lvsim::StagedOutputs outputs;
  const lvsim::RunReport rep = lvsim::run(a.options, outputs);
  const std::string json_text = rep.to_json().dump(2) + "\n";
  if (!a.options.output_path.empty()) outputs.stage(a.options.output_path, json_text, "--output");
  outputs.commit();
  emit(rep.to_text(), json_text, a.json, "");
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
  lvsim::SensitivityCommandLine sensitivity_cl;
  lvsim::add_sensitivity_command(app, sensitivity_cl);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::fprintf(stderr, "lvsim: error: command line: %s\n", parse_error_text(e).c_str());
    return 2;
  } catch (const lvsim::UserError& e) {  // a run option's setter (sim/cli/run_option_table.h)
    std::fprintf(stderr, "lvsim: error: %s\n", e.what());
    return 2;
  }

  try {
    if (app.got_subcommand("run")) {
      lvsim::finish_run_arguments(cl.run);
      if (cl.run.topology_path.empty())
        run_network_command(cl.run);
      else
        run_topology_command(cl.run);
    } else if (app.got_subcommand("validate")) {
      return lvsim::run_validate_command(validate_cl);
    } else if (app.got_subcommand("explore")) {
      return run_explore_command(cl);
    } else if (app.got_subcommand("sensitivity")) {
      return lvsim::run_sensitivity_command(sensitivity_cl);
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
