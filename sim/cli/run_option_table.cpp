#include "sim/cli/run_option_table.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <initializer_list>
#include <stdexcept>

#include "common/errors.h"
#include "sim/cli/option_values.h"

namespace lvsim {

namespace {

using Kind = RunOptionKind;

[[noreturn]] void refuse(const std::string& option, const std::string& problem) {
  throw ConfigError("command line: " + option + ": " + problem);
}

// An integer in [lo, hi] (decimal, optional leading '-'): the text of --threads, --weight-bits, ...
int64_t integer_in(const std::string& text, const std::string& option, int64_t lo, int64_t hi) {
  const bool digits =
      !text.empty() && text.find_first_not_of("0123456789", text[0] == '-' ? 1 : 0) == std::string::npos && text != "-";
  errno = 0;
  const long long v = digits ? std::strtoll(text.c_str(), nullptr, 10) : 0;
  if (!digits || errno == ERANGE || v < lo || v > hi)
    refuse(option,
           "must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got \"" + text + "\"");
  return v;
}

// A finite number (the whole text), e.g. a voltage.
double number(const std::string& text, const std::string& option) {
  char* end = nullptr;
  const double v = text.empty() ? NAN : std::strtod(text.c_str(), &end);
  if (!std::isfinite(v) || end != text.c_str() + text.size())
    refuse(option, "must be a finite number, got \"" + text + "\"");
  return v;
}

// A fraction in [0, 1].
double fraction(const std::string& text, const std::string& option) {
  char* end = nullptr;
  const double v = text.empty() ? NAN : std::strtod(text.c_str(), &end);
  if (!(v >= 0.0 && v <= 1.0) || end != text.c_str() + text.size())
    refuse(option, "must be a number in [0, 1], got \"" + text + "\"");
  return v;
}

// One of a few words (the command line's wording: "slow not in {golden,fast,cycle}").
const std::string& one_of(const std::string& text, const std::string& option,
                          std::initializer_list<const char*> words) {
  std::string list;
  for (const char* w : words) {
    if (text == w) return text;
    if (!list.empty()) list += ',';
    list += w;
  }
  refuse(option, text + " not in {" + list + "}");
}

const std::string& path(const std::string& text, const std::string& option) {
  check_path_option(text, option, false);
  return text;
}

int positive_int(const std::string& text, const std::string& option) {
  const int64_t v = parse_positive_integer(text, option);
  if (v > INT_MAX) refuse(option, "must be a positive integer (at most 2147483647), got \"" + text + "\"");
  return int(v);
}

// --trace-cycles A:B, 0 <= A <= B.
void set_trace_cycles(RunArguments& a, const std::string& text) {
  RunOptions& o = a.options;
  const auto colon = text.find(':');
  try {
    if (colon == std::string::npos) throw std::invalid_argument("no colon");
    size_t used_a = 0, used_b = 0;
    o.trace_from_cycle = std::stoll(text.substr(0, colon), &used_a);
    o.trace_to_cycle = std::stoll(text.substr(colon + 1), &used_b);
    if (used_a != colon || used_b != text.size() - colon - 1 || o.trace_from_cycle < 0 ||
        o.trace_to_cycle < o.trace_from_cycle)
      throw std::invalid_argument("range");
  } catch (const std::exception&) {
    refuse("--trace-cycles", "expected A:B with 0 <= A <= B, got \"" + text + "\"");
  }
}

void set_voltage_alias(RunArguments& a, const std::string& text) {
  if (a.was_given("--v-sram")) refuse("--voltage", "give either --voltage or --v-sram, not both");
  a.options.v_sram_v = number(text, "--voltage");
}

// The table itself, in --help order. `o` is RunArguments::options.
#define OPT(field) a.options.field
// The network, the data and how they run.
std::vector<RunOptionEntry> workload_options() {
  return {
      {"--network", "network", Kind::Path, false, "Network file (lvsim-network JSON); required unless --topology",
       [](RunArguments& a, const std::string& t) { OPT(network_path) = path(t, "--network"); }},
      {"--data", "data", Kind::Path, false, "Data set directory (IDX: MNIST/Fashion-MNIST, or CIFAR-10 binary)",
       [](RunArguments& a, const std::string& t) { OPT(data_dir) = path(t, "--data"); }},
      {"--topology", nullptr, Kind::Path, true,
       "SCALE-Sim topology CSV instead of a network: timing and energy per layer, no weights or data",
       [](RunArguments& a, const std::string& t) { a.topology_path = path(t, "--topology"); }},
      {"--images", "images", Kind::Integer, false, "Test images to evaluate (default: all)",
       [](RunArguments& a, const std::string& t) { OPT(images) = parse_positive_integer(t, "--images"); }},
      {"--threads", "threads", Kind::Integer, false, "Worker threads (default: all cores)",
       [](RunArguments& a, const std::string& t) { OPT(threads) = positive_int(t, "--threads"); }},
      {"--mode", "mode", Kind::Text, false,
       "golden (reference engine), fast (integer GEMMs + closed-form timing), cycle (SystemC)",
       [](RunArguments& a, const std::string& t) {
         OPT(mode) = run_mode_from_name(one_of(t, "--mode", {"golden", "fast", "cycle"}), "command line: --mode");
       }},
      {"--calib-images", "calib_images", Kind::Integer, false,
       "Training images for activation calibration (default 512)",
       [](RunArguments& a, const std::string& t) { OPT(calib_images) = parse_positive_integer(t, "--calib-images"); }},
      {"--calib", "calib", Kind::Text, false, "Calibration: min-max or percentile",
       [](RunArguments& a, const std::string& t) {
         OPT(calib_method) = calibration_method_from_name(one_of(t, "--calib", {"min-max", "percentile"}), "--calib");
       }},
      {"--weight-bits", "weight_bits", Kind::Integer, true,
       "Re-quantize the weights to this many bits (2..8; robust scheme, from the weights as held)",
       [](RunArguments& a, const std::string& t) { OPT(weight_bits) = int(integer_in(t, "--weight-bits", 2, 8)); }},
      {"--norm-params", "norm_params", Kind::Text, false,
       "Where groupnorm parameters live: sram (default; in the weight SRAM, faults apply) or register "
       "(a protected register file)",
       [](RunArguments& a, const std::string& t) {
         OPT(norm_params_in_sram) = one_of(t, "--norm-params", {"sram", "register"}) == "sram";
       }},
  };
}

// The hardware and its operating point.
std::vector<RunOptionEntry> hardware_options() {
  return {
      {"--arch", "arch", Kind::Path, true, "Architecture file (default: built-in presets/arch/edge-16x16.json)",
       [](RunArguments& a, const std::string& t) { OPT(arch_path) = path(t, "--arch"); }},
      {"--tech", "tech", Kind::Path, true, "Technology file (default: built-in presets/tech/45nm.json)",
       [](RunArguments& a, const std::string& t) { OPT(tech_path) = path(t, "--tech"); }},
      {"--v-sram", "v_sram", Kind::Number, true, "Weight-SRAM supply voltage in V (default: nominal)",
       [](RunArguments& a, const std::string& t) { OPT(v_sram_v) = number(t, "--v-sram"); }},
      {"--voltage", nullptr, Kind::Number, true, "Same as --v-sram", &set_voltage_alias},
      {"--v-logic", "v_logic", Kind::Number, true, "Array/logic supply voltage in V (default: nominal)",
       [](RunArguments& a, const std::string& t) { OPT(v_logic_v) = number(t, "--v-logic"); }},
      {"--clock-mode", "clock_mode", Kind::Text, true,
       "fixed (architecture clock, checked against f_max), follow_fmax, scale_nominal",
       [](RunArguments& a, const std::string& t) {
         OPT(clock_mode) = clock_mode_from_string(t, "command line", "--clock-mode");
       }},
  };
}

// Faults.
std::vector<RunOptionEntry> fault_options() {
  return {
      {"--chip-seed", "chip_seed", Kind::Integer, false, "Simulated chip (seed of its bit-cell failure map)",
       [](RunArguments& a, const std::string& t) { OPT(chip_seed) = parse_seed_option(t, "--chip-seed"); }},
      {"--ber", "ber", Kind::Number, false,
       "Rate fault model instead of the chip model: with bit_flip, every stored bit flips with this "
       "probability (the bit error rate); with stuck_at, the fraction of stuck cells",
       [](RunArguments& a, const std::string& t) { OPT(ber) = fraction(t, "--ber"); }},
      {"--ber-model", "ber_model", Kind::Text, false, "bit_flip (default) or stuck_at (with --ber)",
       [](RunArguments& a, const std::string& t) { OPT(ber_model) = t; }},
      {"--stuck-cell-fraction", "stuck_cell_fraction", Kind::Number, false,
       "Fraction of weight-SRAM cells stuck (stuck_at model; the measured bit error rate is about "
       "half of it); same as --ber F --ber-model stuck_at",
       [](RunArguments& a, const std::string& t) { OPT(stuck_cell_fraction) = fraction(t, "--stuck-cell-fraction"); }},
      {"--stuck-at-1-fraction", "stuck_at_1_fraction", Kind::Number, false,
       "stuck_at model: share of the stuck cells stuck at 1 (default 0.5)",
       [](RunArguments& a, const std::string& t) { OPT(stuck_at_1_fraction) = fraction(t, "--stuck-at-1-fraction"); }},
      {"--fault-map", "fault_map", Kind::Path, false,
       "Profiled fault map file (docs/fault-maps.md) instead of the chip model",
       [](RunArguments& a, const std::string& t) { OPT(fault_map_path) = path(t, "--fault-map"); }},
      {"--fault-map-tile", "fault_map_tile", Kind::Flag, false, "Repeat a smaller fault map over the weight SRAM",
       [](RunArguments& a, const std::string&) { OPT(fault_map_tile) = true; }},
      {"--transient-ber", "transient_ber", Kind::Number, false,
       "Transient read errors per bit, fresh per image and layer",
       [](RunArguments& a, const std::string& t) { OPT(transient_ber) = fraction(t, "--transient-ber"); }},
      {"--robust-error", "robust_error", Kind::Flag, false, "Also report the robust error (wrong clean or with faults)",
       [](RunArguments& a, const std::string&) { OPT(robust_error) = true; }},
  };
}

// Tracing, side outputs and the report.
std::vector<RunOptionEntry> output_options() {
  return {
      {"--vcd", nullptr, Kind::Path, false, "Cycle mode: write a VCD trace to this file",
       [](RunArguments& a, const std::string& t) { OPT(vcd_path) = path(t, "--vcd"); }},
      {"--trace-layer", nullptr, Kind::Integer, false, "Cycle mode: layer index to trace (-1: all)",
       [](RunArguments& a, const std::string& t) {
         OPT(trace_layer) = int(integer_in(t, "--trace-layer", INT_MIN, INT_MAX));
       }},
      {"--trace-cycles", nullptr, Kind::Text, false, "Cycle mode: cycle window A:B within the traced layer",
       &set_trace_cycles},
      {"--dump-layers", "dump_layers", Kind::Path, false,
       "Write every layer's output codes and values of the evaluated images as .npy files here",
       [](RunArguments& a, const std::string& t) { OPT(dump_layers_dir) = path(t, "--dump-layers"); }},
      {"--compute-report", "compute_report", Kind::Path, true,
       "Write per-layer SCALE-Sim COMPUTE_REPORT.csv columns here",
       [](RunArguments& a, const std::string& t) { OPT(compute_report_path) = path(t, "--compute-report"); }},
      {"--json", nullptr, Kind::Flag, true, "Write the report as one JSON object to stdout",
       [](RunArguments& a, const std::string&) { a.json = true; }},
      {"--output", nullptr, Kind::Path, true, "Also write the JSON report to this file (atomically)",
       [](RunArguments& a, const std::string& t) { OPT(output_path) = path(t, "--output"); }},
      {"--quiet", nullptr, Kind::Flag, false, "Cycle mode: no progress on stderr",
       [](RunArguments& a, const std::string&) { OPT(quiet) = true; }},
  };
}
#undef OPT

std::vector<RunOptionEntry> make_table() {
  std::vector<RunOptionEntry> table;
  for (auto part : {workload_options, hardware_options, fault_options, output_options}) {
    std::vector<RunOptionEntry> entries = part();
    table.insert(table.end(), entries.begin(), entries.end());
  }
  return table;
}

}  // namespace

bool RunArguments::was_given(const std::string& cli_name) const {
  return std::find(given.begin(), given.end(), cli_name) != given.end();
}

const std::vector<RunOptionEntry>& run_option_table() {
  static const std::vector<RunOptionEntry> table = make_table();
  return table;
}

const RunOptionEntry* run_option_by_cli_name(const std::string& cli_name) {
  for (const RunOptionEntry& e : run_option_table())
    if (cli_name == e.cli_name) return &e;
  return nullptr;
}

const RunOptionEntry* run_option_by_keyword(const std::string& keyword) {
  for (const RunOptionEntry& e : run_option_table())
    if (e.keyword && keyword == e.keyword) return &e;
  return nullptr;
}

void set_run_option(RunArguments& args, const RunOptionEntry& entry, const std::string& text) {
  entry.set(args, text);
  args.given.push_back(entry.cli_name);
}

void finish_run_arguments(RunArguments& a) {
  RunOptions& o = a.options;
  if (!a.topology_path.empty()) {
    for (const std::string& name : a.given)
      if (!run_option_by_cli_name(name)->with_topology)
        refuse(name, "not with --topology (a topology has no weights or data: closed-form timing and energy only)");
  } else {
    if (o.network_path.empty() && !o.network)
      throw ConfigError("command line: --network is required (or --topology FILE.csv for a SCALE-Sim topology)");
    if (o.data_dir.empty()) throw ConfigError("command line: --data is required with --network");
  }
  if (!a.was_given("--trace-cycles") && !o.vcd_path.empty()) {
    o.trace_from_cycle = 0;
    o.trace_to_cycle = 1000;
  }
  check_run_options(o);
  if (a.was_given("--trace-cycles") && o.vcd_path.empty()) refuse("--trace-cycles", "needs --vcd");
  if (a.was_given("--trace-layer") && o.vcd_path.empty())
    refuse("--trace-layer", "needs --vcd (a trace of cycle mode)");
}

}  // namespace lvsim
