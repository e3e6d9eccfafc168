// One line of `lvsim validate` (docs/validation.md): a published reference, what of lvsim is held
// against it, the two values, the error, the tolerance and the verdict.
#pragma once

#include <string>
#include <vector>

namespace lvsim {

struct ValidationCheck {
  std::string reference;   // source family, e.g. "scale-sim-v3" (--only selects on it)
  std::string compared;    // what is compared, e.g. "GEMM 256x128x256 WS: cycles without stalls"
  double expected = 0;     // the reference's value
  double simulated = 0;    // lvsim's value
  double error = 0;        // in `error_unit` (defined per check)
  std::string error_unit;  // "cycles", "rel", "R2 diff", "ratio", "sigma", "cells"
  std::string tolerance;   // the pass condition on `error`, as text
  bool pass = false;
};

/// Where the reference data lies: `validation/` (data files with their READMEs) and the source
/// tree's shipped files (workloads/topologies/, presets/).
struct ValidationPaths {
  std::string data_dir;    // validation/
  std::string source_dir;  // the repository root
};

/// The source tree this binary was built from, and its validation/ folder.
ValidationPaths default_validation_paths();

// One function per reference family; each returns its lines. FormatError / ConfigError naming
// the data file when one is missing or malformed.
std::vector<ValidationCheck> scalesim_v2_checks(const ValidationPaths& p);
std::vector<ValidationCheck> scalesim_v3_checks(const ValidationPaths& p);
std::vector<ValidationCheck> tpu_v4_checks(const ValidationPaths& p);
std::vector<ValidationCheck> timeloop_checks(const ValidationPaths& p);
std::vector<ValidationCheck> published_count_checks(const ValidationPaths& p);
std::vector<ValidationCheck> fault_model_checks(const ValidationPaths& p);
std::vector<ValidationCheck> measured_chip_checks(const ValidationPaths& p);

}  // namespace lvsim
