#include "sim/cli/sensitivity_command.h"

#include <chrono>
#include <cstdio>
#include <set>

#include "common/errors.h"
#include "common/output_file.h"
#include "sim/report/sensitivity_outputs.h"
#include "sim/report/sensitivity_report_html.h"

namespace lvsim {

void add_sensitivity_command(CLI::App& app, SensitivityCommandLine& cl) {
  CLI::App* se = app.add_subcommand(
      "sensitivity", "Accuracy and RErr drop per layer / bit position when only its stored weights see the faults");
  add_study_input_options(se, cl.inputs);
  se->add_option("--voltage", cl.voltage_v, "Weight-SRAM voltage in V (the technology's bit-cell failure model)");
  se->add_option("--ber", cl.ber, "Fault rate instead of a voltage (--ber-model: bit_flip or stuck_at)");
  se->add_option("--by", cl.by, "Scopes besides all layers: layer (default), bit or both")
      ->check(CLI::IsMember({"layer", "bit", "both"}));
  se->add_option("--csv", cl.csv_path, "Write the rows as CSV to this file");
  se->add_option("--json", cl.json_path, "Write the map as JSON to this file");
  se->add_option("--report", cl.report_path, "Write the HTML report (bar charts, table) to this file");
}

SensitivitySpec sensitivity_spec(const SensitivityCommandLine& cl) {
  SensitivitySpec sp;
  StudySpec& s = sp.study;
  if (cl.voltage_v && cl.ber) throw ConfigError("command line: --voltage: give either --voltage or --ber, not both");
  if (!cl.voltage_v && !cl.ber) throw ConfigError("command line: --voltage: required (or give --ber)");
  if (cl.voltage_v)
    set_study_axis(s, StudyAxis::VSram, {*cl.voltage_v});
  else
    set_study_axis(s, StudyAxis::Ber, {*cl.ber});
  apply_study_input_options(cl.inputs, s, "--ber");
  if (s.networks.empty()) throw ConfigError("command line: --network: required");
  if (s.data_dir.empty()) throw ConfigError("command line: --data: required");
  if (s.chip_seeds.empty()) throw ConfigError("command line: --chips: required");
  sp.by = sensitivity_by_from_name(cl.by, "command line: --by");
  sp.validate("command line");
  return sp;
}

namespace {

/// The output files as (path, option); ConfigError on an unwritable place, an input in the way or
/// one path given for two outputs -- all before any work.
std::vector<std::pair<std::string, std::string>> checked_outputs(const SensitivityCommandLine& cl,
                                                                 const SensitivitySpec& sp) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [path, option] :
       {std::pair{cl.csv_path, "--csv"}, {cl.json_path, "--json"}, {cl.report_path, "--report"}})
    if (!path.empty()) out.push_back({path, option});
  std::set<std::string> seen;
  for (const auto& [path, option] : out) {
    if (!seen.insert(path).second)
      throw ConfigError("command line: " + option + ": " + path + " is given for two outputs");
    check_output_location(path, "command line: " + option);
    check_output_not_input(path, "command line: " + option,
                           {{sp.study.networks[0].path, "the network file"},
                            {sp.study.data_dir, "the data set"},
                            {sp.study.arch_path, "the architecture file"},
                            {sp.study.tech_path, "the technology file"}});
  }
  return out;
}

}  // namespace

int run_sensitivity_command(const SensitivityCommandLine& cl) {
  const SensitivitySpec sp = sensitivity_spec(cl);
  const auto outputs = checked_outputs(cl, sp);
  const auto start = std::chrono::steady_clock::now();
  const bool quiet = cl.inputs.quiet;
  const SensitivityMap m = run_sensitivity(sp, cl.inputs.threads, [&](int64_t done, int64_t total) {
    if (!quiet) std::fprintf(stderr, "sensitivity: chip %lld of %lld done\n", (long long)done, (long long)total);
  });
  const nlohmann::ordered_json doc = sensitivity_json(m);
  StagedOutputs staged;
  for (const auto& [path, option] : outputs) {
    const std::string o = option;
    const std::string text = o == "--csv"    ? sensitivity_csv(doc)
                             : o == "--json" ? doc.dump(2) + "\n"
                                             : sensitivity_report_html(doc);
    staged.stage(path, text, "command line: " + o);
  }
  staged.commit();
  const std::string table = sensitivity_text(doc);
  std::fwrite(table.data(), 1, table.size(), stdout);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!quiet)
    std::fprintf(stderr, "sensitivity: %zu scopes x %zu chips x %lld images in %.1f s\n", m.rows.size(),
                 m.chip_seeds.size(), (long long)m.images, s);
  return 0;
}

}  // namespace lvsim
