// How the images of a run are executed: one of three engines that agree bit for bit.
#pragma once

#include <string>

namespace lvsim {

/// The golden reference engine, the fast path (integer GEMMs, closed-form timing) or the
/// cycle-level SystemC model.
enum class RunMode { Golden, Fast, Cycle };
const char* run_mode_name(RunMode m);
/// "golden" | "fast" | "cycle"; ConfigError naming `field` otherwise.
RunMode run_mode_from_name(const std::string& name, const std::string& field);

}  // namespace lvsim
