#include "sim/cli/validate_command.h"

#include <cstdio>

#include "sim/validate/validation.h"

namespace lvsim {

void add_validate_command(CLI::App& app, ValidateCommandLine& cl) {
  CLI::App* v =
      app.add_subcommand("validate", "Replay the published references lvsim is held against (exit 1: a check fails)");
  v->add_flag("--json", cl.json, "Print the checks as one JSON object");
  v->add_option("--only", cl.only,
                "Only this reference: scale-sim-v2, scale-sim-v3, tpu-v4, timeloop-45nm, "
                "published-sizes, fault-model, measured-chips");
  v->add_option("--data-dir", cl.data_dir, "Reference data folder (default: the source tree's validation/)");
}

int run_validate_command(const ValidateCommandLine& cl) {
  ValidationPaths paths = default_validation_paths();
  if (!cl.data_dir.empty()) paths.data_dir = cl.data_dir;
  const std::vector<ValidationCheck> checks = run_validation(paths, cl.only);
  const std::string text = cl.json ? validation_json(checks).dump(2) + "\n" : validation_text(checks);
  std::fputs(text.c_str(), stdout);
  for (const ValidationCheck& c : checks)
    if (!c.pass) return 1;
  return 0;
}

}  // namespace lvsim
