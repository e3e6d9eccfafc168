#include "sim/cli/study_options.h"

#include "common/errors.h"
#include "sim/cli/option_values.h"

namespace lvsim {

CLI::Validator positive_integer() {
  return CLI::Validator([](std::string& s) { return positive_integer_problem(s); }, "POSITIVE");
}

void add_study_input_options(CLI::App* cmd, StudyInputOptions& o) {
  cmd->add_option("--network", o.networks,
                  "Network file, or NAME=FILE (sweep: repeat to compare networks on the same chips)");
  cmd->add_option("--data", o.data_dir, "Data set directory (IDX or CIFAR-10 binary)");
  cmd->add_option("--images", o.images, "Test images per point (default: all)")->check(positive_integer());
  cmd->add_option("--arch", o.arch_path, "Architecture file (default: built-in edge-16x16)");
  cmd->add_option("--tech", o.tech_path, "Technology file (default: built-in 45nm)");
  cmd->add_option("--chips", o.chips, "Chips: N (seeds 1..N), FIRST..LAST, or a,b,c");
  cmd->add_option("--ber-model", o.ber_model, "With bit error rates: bit_flip or stuck_at");
  cmd->add_option("--stuck-at-1-fraction", o.stuck_at_1_fraction, "stuck_at: share of stuck cells stuck at 1");
  cmd->add_option("--mode", o.mode, "fast (default), golden or cycle (SystemC; small studies)")
      ->check(CLI::IsMember({"golden", "fast", "cycle"}));
  cmd->add_option("--calib-images", o.calib_images, "Training images for activation calibration (default 512)")
      ->check(positive_integer());
  cmd->add_option("--calib", o.calib, "Calibration: min-max or percentile")
      ->check(CLI::IsMember({"min-max", "percentile"}));
  cmd->add_option("--norm-params", o.norm_params,
                  "Where GroupNorm parameters live: sram (default; they see its faults) or register (protected)");
  cmd->add_option("--threads", o.threads, "Worker threads per process (default: all cores)")->check(positive_integer());
  cmd->add_flag("--quiet", o.quiet, "No progress on stderr");
}

void set_study_axis(StudySpec& s, StudyAxis axis, std::vector<double> values) {
  s.axis = axis;
  s.values = std::move(values);
  if (axis == StudyAxis::VSram) {
    s.fault_model = "chip";
    s.v_sram_v.reset();
  } else if (s.fault_model == "chip") {
    s.fault_model = "bit_flip";
  }
}

namespace {

std::vector<StudyNetwork> study_networks(const std::vector<std::string>& given) {
  std::vector<StudyNetwork> out;
  for (const std::string& n : given) {
    const size_t eq = n.find('=');
    out.push_back(eq == std::string::npos ? StudyNetwork{"", n} : StudyNetwork{n.substr(0, eq), n.substr(eq + 1)});
  }
  return out;
}

}  // namespace

void apply_study_input_options(const StudyInputOptions& o, StudySpec& s, const std::string& rate_flag) {
  if (!o.networks.empty()) s.networks = study_networks(o.networks);
  if (!o.data_dir.empty()) s.data_dir = o.data_dir;
  if (o.images) s.images = *o.images;
  if (!o.arch_path.empty()) s.arch_path = o.arch_path;
  if (!o.tech_path.empty()) s.tech_path = o.tech_path;
  if (!o.ber_model.empty()) {
    if (o.ber_model != "bit_flip" && o.ber_model != "stuck_at")
      throw ConfigError("command line: --ber-model: expected bit_flip or stuck_at, got \"" + o.ber_model + "\"");
    if (s.axis != StudyAxis::Ber) throw ConfigError("command line: --ber-model: needs " + rate_flag);
    s.fault_model = o.ber_model;
  }
  if (!o.chips.empty()) s.chip_seeds = parse_chip_list(o.chips, "command line: --chips");
  if (o.stuck_at_1_fraction) s.stuck_at_1_fraction = *o.stuck_at_1_fraction;
  if (!o.mode.empty()) s.mode = run_mode_from_name(o.mode, "command line: --mode");
  if (o.calib_images) s.calib_images = *o.calib_images;
  if (!o.calib.empty()) s.calib_method = calibration_method_from_name(o.calib, "--calib");
  if (!o.norm_params.empty()) {
    if (o.norm_params != "sram" && o.norm_params != "register")
      throw ConfigError("command line: --norm-params: expected sram or register, got \"" + o.norm_params + "\"");
    s.norm_params_in_sram = o.norm_params == "sram";
  }
}

}  // namespace lvsim
