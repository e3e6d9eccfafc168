#include "sim/study/explore_accuracy.h"

#include <cstdio>
#include <filesystem>

#include "common/errors.h"
#include "common/input_file.h"
#include "common/json_reader.h"
#include "common/output_file.h"
#include "sim/study/sweep.h"

namespace fs = std::filesystem;

namespace lvsim {

ExploreAccuracySpec ExploreAccuracySpec::from_json(const nlohmann::json& j, const std::string& origin) {
  JsonObject o(j, origin, "accuracy");
  ExploreAccuracySpec a;
  a.data_dir = path_relative_to_file(o.get_string("data"), origin);
  a.images = o.get_int("images", 1, int64_t(1) << 40, -1);
  a.chip_seeds = read_chip_seeds(o, "chips");
  if (o.has("max_drop")) a.max_drop = o.get_double_array("max_drop", -1e9, 1e9);
  const std::string mode = o.get_enum("mode", {"fast", "golden"}, "fast");
  a.mode = mode == "golden" ? RunMode::Golden : RunMode::Fast;
  a.norm_params_in_sram = o.get_enum("norm_params", {"sram", "register"}, "sram") == "sram";
  o.finish();
  return a;
}

namespace {

std::string study_dir(const std::string& out_dir, size_t request) {
  char name[32];
  std::snprintf(name, sizeof name, "arch-%04zu", request);
  return (fs::path(out_dir) / "accuracy" / name).string();
}

StudySpec study_for(const ExploreAccuracySpec& acc, const AccuracyStudyRequest& r, const std::string& tech_path) {
  StudySpec s;
  s.networks = r.networks;
  s.data_dir = acc.data_dir;
  s.images = acc.images;
  s.arch_json = r.arch;
  s.tech_path = tech_path;
  s.axis = StudyAxis::VSram;
  s.values = r.v_sram_v;
  s.chip_seeds = acc.chip_seeds;
  s.fault_model = "chip";
  s.max_drop = acc.max_drop;
  s.mode = acc.mode;
  s.norm_params_in_sram = acc.norm_params_in_sram;
  sort_study_values(s);
  return s;
}

}  // namespace

AccuracyResults run_explore_accuracy(const ExploreAccuracySpec& acc, const std::vector<AccuracyStudyRequest>& requests,
                                     const std::string& tech_path, const std::string& out_dir, int threads,
                                     StudyComm& comm) {
  AccuracyResults results;
  for (size_t i = 0; i < requests.size(); ++i) {
    const AccuracyStudyRequest& r = requests[i];
    if (r.networks.empty() || r.v_sram_v.empty()) continue;
    const std::string dir = study_dir(out_dir, i);
    // The study takes its architecture from memory (its fingerprint covers the JSON), so nothing
    // is written before the sweep engine has checked every input; the file written afterwards is
    // for the reader.
    StudySpec spec = study_for(acc, r, tech_path);
    spec.validate(dir);
    StudyExecution exec;
    exec.threads = threads;
    exec.out_dir = dir;
    exec.quiet = true;
    run_sweep(spec, exec, comm);
    if (comm.rank() != 0) continue;
    write_file_atomically((fs::path(dir) / "architecture.json").string(), r.arch.dump(1) + "\n");
    const nlohmann::json summary = parse_json_file((fs::path(dir) / "summary.json").string());
    for (const nlohmann::json& p : summary.at("points"))
      results[{i, p.at("network").get<std::string>(), p.at("v_sram_v").get<double>()}] = p;
  }
  return results;
}

}  // namespace lvsim
