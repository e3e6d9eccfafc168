// `lvsim sensitivity`: the accuracy and RErr drop per layer and per bit position of the stored
// weights at one weight-SRAM voltage or fault rate, over chips (sim/study/sensitivity.h). Takes a
// study's inputs (sim/cli/study_options.h) and writes a table, CSV, JSON and an HTML report.
#pragma once

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "sim/cli/study_options.h"
#include "sim/study/sensitivity.h"

namespace lvsim {

/// `lvsim sensitivity` as typed (unset: not given).
struct SensitivityCommandLine {
  StudyInputOptions inputs;
  std::optional<double> voltage_v, ber;
  std::string by = "layer";
  std::string csv_path, json_path, report_path;
};

void add_sensitivity_command(CLI::App& app, SensitivityCommandLine& cl);
/// The map the flags describe; ConfigError naming the flag when one is missing or inconsistent.
SensitivitySpec sensitivity_spec(const SensitivityCommandLine& cl);
/// Runs the map, prints the table on stdout, writes the files together at the end (none on an
/// error). UserError on bad input, before any work.
int run_sensitivity_command(const SensitivityCommandLine& cl);

}  // namespace lvsim
