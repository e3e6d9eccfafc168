// One `lvsim run`: load the network and data set -> calibrate if needed -> build the hardware
// (architecture, technology and operating point, weight SRAM, faults) -> run every image in the
// chosen mode -> report accuracy, cycles, faults and energy together (sim/run_report.h).
#pragma once

#include "sim/run_options.h"
#include "sim/run_report.h"

namespace lvsim {

/// Runs it. Throws UserError subclasses (ConfigError, FormatError) for bad input.
RunReport run(const RunOptions& options);

}  // namespace lvsim
