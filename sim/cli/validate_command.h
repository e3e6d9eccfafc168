// `lvsim validate [--json] [--only NAME] [--data-dir DIR]`: replays every published reference
// (docs/validation.md). Exit 0 when every check passes, 1 when one falls outside its tolerance
// (main: 2 on bad input, e.g. a missing or malformed data file).
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace lvsim {

struct ValidateCommandLine {
  bool json = false;
  std::string only;      // one reference family; empty: all
  std::string data_dir;  // empty: the source tree's validation/
};

void add_validate_command(CLI::App& app, ValidateCommandLine& cl);
/// Runs and prints the checks; returns 0 (all pass) or 1 (some fail). UserError on bad input.
int run_validate_command(const ValidateCommandLine& cl);

}  // namespace lvsim
