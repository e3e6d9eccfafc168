// `lvsim run`'s options, declared once: one entry per option (its command-line name, its keyword in
// Python's lvsim.run, its help, its kind) with the setter that parses and checks its text. The command
// line (sim/cli/main.cpp) binds every entry; the Python API (python/lvsim_module.cpp) turns each
// keyword's value into the same text and calls the same setter, so one mistake gets one message.
// Adding an option to `run` is one entry here (and its field in RunOptions).
#pragma once

#include <string>
#include <vector>

#include "sim/cli/run_options.h"

namespace lvsim {

/// A run's options as given: the typed options plus what only the command line has.
struct RunArguments {
  RunOptions options;
  std::string topology_path;       // --topology: a SCALE-Sim topology instead of --network/--data
  bool json = false;               // --json
  std::vector<std::string> given;  // the command-line names of the options set, in order

  bool was_given(const std::string& cli_name) const;
};

/// What an option's value is: the command line's text, and the Python type a keyword takes.
enum class RunOptionKind {
  Flag,     // no value (Python: bool; False is not given)
  Integer,  // decimal integer text (Python: int)
  Number,   // a number (Python: int or float)
  Text,     // a word (Python: str)
  Path,     // a file or directory (Python: str or os.PathLike)
};

struct RunOptionEntry {
  const char* cli_name;  // "--images"
  const char* keyword;   // lvsim.run's keyword ("images"); nullptr: the command line only
  RunOptionKind kind;
  bool with_topology;  // meaningful with --topology too (else refused there)
  const char* help;
  // Parses and checks `text` into the arguments; ConfigError "command line: OPTION: ...".
  void (*set)(RunArguments& args, const std::string& text);
};

/// Every option of `lvsim run`, in the order --help lists them.
const std::vector<RunOptionEntry>& run_option_table();

/// The entry of a command-line name ("--images") or of a Python keyword ("images"); nullptr if none.
const RunOptionEntry* run_option_by_cli_name(const std::string& cli_name);
const RunOptionEntry* run_option_by_keyword(const std::string& keyword);

/// Sets one option from its text: records it as given, then calls its setter.
void set_run_option(RunArguments& args, const RunOptionEntry& entry, const std::string& text);

/// After every option is set: the options a topology run refuses, the required inputs, derived
/// defaults (the VCD window), check_run_options and the checks of options that need a partner.
void finish_run_arguments(RunArguments& args);

}  // namespace lvsim
