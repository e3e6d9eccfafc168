#include "sim/validate/validation.h"

#include <fmt/format.h>

#include <cmath>
#include <utility>

#include "common/errors.h"

namespace lvsim {
namespace {

using CheckFamily = std::vector<ValidationCheck> (*)(const ValidationPaths&);

const std::vector<std::pair<std::string, CheckFamily>>& families() {
  static const std::vector<std::pair<std::string, CheckFamily>> f = {
      {"scale-sim-v2", scalesim_v2_checks},
      {"scale-sim-v3", scalesim_v3_checks},
      {"tpu-v4", tpu_v4_checks},
      {"timeloop-45nm", timeloop_checks},
      {"published-sizes", published_count_checks},
      {"fault-model", fault_model_checks},
      {"measured-chips", measured_chip_checks},
  };
  return f;
}

std::string number_text(double v) {
  if (v == double(int64_t(v)) && std::abs(v) < 1e15) return fmt::format("{}", int64_t(v));
  return fmt::format("{:.4g}", v);
}

}  // namespace

ValidationPaths default_validation_paths() {
  const std::string root = LVSIM_VALIDATION_SOURCE_DIR;  // compile definition: the source tree
  return {root + "/validation", root};
}

std::vector<std::string> validation_references() {
  std::vector<std::string> names;
  for (const auto& f : families()) names.push_back(f.first);
  return names;
}

std::vector<ValidationCheck> run_validation(const ValidationPaths& paths, const std::string& only) {
  bool known = only.empty();
  std::vector<ValidationCheck> out;
  for (const auto& [name, run] : families()) {
    if (!only.empty() && name != only) continue;
    known = true;
    for (ValidationCheck& c : run(paths)) out.push_back(std::move(c));
  }
  if (!known) {
    std::string list;
    for (const std::string& n : validation_references()) list += (list.empty() ? "" : ", ") + n;
    throw ConfigError(located("command line", "--only", "'" + only + "' is not a reference (" + list + ")"));
  }
  return out;
}

std::string validation_text(const std::vector<ValidationCheck>& checks) {
  std::string s = fmt::format("{:<16} {:<62} {:>12} {:>12} {:>10} {:<8} {:<11} {}\n", "reference", "compared",
                              "expected", "simulated", "error", "unit", "tolerance", "result");
  int failed = 0;
  for (const ValidationCheck& c : checks) {
    failed += !c.pass;
    s += fmt::format("{:<16} {:<62} {:>12} {:>12} {:>10} {:<8} {:<11} {}\n", c.reference, c.compared,
                     number_text(c.expected), number_text(c.simulated), number_text(c.error), c.error_unit, c.tolerance,
                     c.pass ? "PASS" : "FAIL");
  }
  s += fmt::format("{} checks, {} pass, {} fail\n", checks.size(), checks.size() - size_t(failed), failed);
  return s;
}

nlohmann::json validation_json(const std::vector<ValidationCheck>& checks) {
  nlohmann::json arr = nlohmann::json::array();
  int failed = 0;
  for (const ValidationCheck& c : checks) {
    failed += !c.pass;
    arr.push_back({{"reference", c.reference},
                   {"compared", c.compared},
                   {"expected", c.expected},
                   {"simulated", c.simulated},
                   {"error", c.error},
                   {"error_unit", c.error_unit},
                   {"tolerance", c.tolerance},
                   {"pass", c.pass}});
  }
  return {{"checks", arr}, {"passed", int(checks.size()) - failed}, {"failed", failed}, {"all_pass", failed == 0}};
}

}  // namespace lvsim
