// One `lvsim run`: load the network and data set -> calibrate if needed -> build the hardware
// (architecture, technology and operating point, weight SRAM, faults) -> run every image in the
// chosen mode -> report accuracy, cycles, faults and energy together (sim/report/run_report.h).
#pragma once

#include "common/output_file.h"
#include "sim/cli/run_options.h"
#include "sim/report/run_report.h"

namespace lvsim {

/// Runs it. Throws UserError subclasses (ConfigError, FormatError) for bad input. Every output
/// location is checked before any work; the VCD trace and the compute report are staged in
/// `outputs` (the caller adds the report and commits them all, so a failure leaves none behind).
RunReport run(const RunOptions& options, StagedOutputs& outputs);
/// The same, committing the VCD trace and the compute report itself (the Python API).
RunReport run(const RunOptions& options);

}  // namespace lvsim
