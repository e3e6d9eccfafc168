// The inputs every study command takes, declared once: `lvsim sweep` and `lvsim sensitivity` both
// register these flags and apply them to a StudySpec the same way (one name, one help text, one
// check per option). Each command adds its own options (swept values, outputs) beside them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "sim/study/study_spec.h"

namespace lvsim {

/// The study inputs as typed on the command line (empty / unset: not given).
struct StudyInputOptions {
  std::vector<std::string> networks;  // FILE or NAME=FILE
  std::string data_dir, arch_path, tech_path, mode, calib, chips, ber_model, norm_params;
  std::optional<int64_t> images, calib_images;
  std::optional<double> stuck_at_1_fraction;
  int threads = 0;  // 0: all hardware threads
  bool quiet = false;
};

/// CLI11's check of a positive integer option (option_values.h's rule).
CLI::Validator positive_integer();

/// Registers the study input flags on `cmd`: --network, --data, --images, --arch, --tech, --chips,
/// --ber-model, --stuck-at-1-fraction, --mode, --calib-images, --calib, --norm-params, --threads,
/// --quiet.
void add_study_input_options(CLI::App* cmd, StudyInputOptions& o);

/// Sets the swept axis and its values; a ber axis takes the bit_flip model unless one was chosen.
void set_study_axis(StudySpec& s, StudyAxis axis, std::vector<double> values);

/// Applies every given input flag to `s` (after its axis is set: --ber-model needs a ber axis, given
/// by the command's `rate_flag`). ConfigError naming the flag on an inconsistent value.
void apply_study_input_options(const StudyInputOptions& o, StudySpec& s, const std::string& rate_flag);

}  // namespace lvsim
