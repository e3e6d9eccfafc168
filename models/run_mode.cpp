#include "models/run_mode.h"

#include "common/errors.h"

namespace lvsim {

const char* run_mode_name(RunMode m) {
  switch (m) {
    case RunMode::Golden:
      return "golden";
    case RunMode::Fast:
      return "fast";
    case RunMode::Cycle:
      return "cycle";
  }
  return "?";
}

RunMode run_mode_from_name(const std::string& name, const std::string& field) {
  for (RunMode m : {RunMode::Golden, RunMode::Fast, RunMode::Cycle})
    if (name == run_mode_name(m)) return m;
  throw ConfigError(field + ": expected golden, fast or cycle, got \"" + name + "\"");
}

}  // namespace lvsim
