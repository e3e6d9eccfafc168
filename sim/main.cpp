// lvsim command line: parses options into typed structs, calls the library, prints reports.
// Only this file decides exit codes: 0 success, 2 bad input or configuration (one line on stderr),
// 1 internal error.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <iostream>

#include "common/errors.h"
#include "sim/output_file.h"
#include "sim/run.h"
#include "sim/version.h"

namespace {

void add_run_command(CLI::App& app, lvsim::RunOptions& opt, bool& json, std::string& output) {
  CLI::App* run = app.add_subcommand("run", "Run a quantized network on a test set; report accuracy, speed and layers");
  run->add_option("--network", opt.network_path, "Network file (lvsim-network JSON)")->required();
  run->add_option("--data", opt.data_dir, "Data set directory (IDX: MNIST/Fashion-MNIST, or CIFAR-10 binary)")->required();
  run->add_option("--images", opt.images, "Test images to evaluate (default: all)")->check(CLI::PositiveNumber);
  run->add_option("--threads", opt.threads, "Worker threads (default: all cores)")->check(CLI::Range(1, 1024));
  run->add_option("--mode", opt.mode, "Execution: golden (reference engine), fast, cycle (SystemC)")
      ->transform(CLI::CheckedTransformer(std::map<std::string, lvsim::RunMode>{{"golden", lvsim::RunMode::Golden},
                                                                               {"fast", lvsim::RunMode::Fast},
                                                                               {"cycle", lvsim::RunMode::Cycle}}));
  run->add_option("--calib-images", opt.calib_images, "Training images for activation calibration")->check(CLI::PositiveNumber);
  run->add_option("--calib", opt.calib_method, "Calibration: min-max or percentile")
      ->transform(CLI::CheckedTransformer(std::map<std::string, lvsim::CalibrationMethod>{
          {"min-max", lvsim::CalibrationMethod::MinMax}, {"percentile", lvsim::CalibrationMethod::Percentile}}));
  run->add_flag("--json", json, "Write the report as one JSON object to stdout");
  run->add_option("--output", output, "Also write the JSON report to this file (atomically)");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"lvsim: cycle-level simulator of a low-voltage DNN accelerator"};
  app.set_version_flag("--version", std::string("lvsim ") + lvsim::kVersion);
  app.require_subcommand(1);
  lvsim::RunOptions run_opt;
  bool json = false;
  std::string output;
  add_run_command(app, run_opt, json, output);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::fprintf(stderr, "lvsim: error: command line: %s\n", e.what());
    return 2;
  }

  try {
    if (app.got_subcommand("run")) {
      lvsim::RunReport rep = lvsim::run(run_opt);
      const std::string js = rep.to_json().dump(2) + "\n";
      if (!output.empty()) lvsim::write_file_atomically(output, js);
      if (json)
        std::fwrite(js.data(), 1, js.size(), stdout);
      else
        std::fputs(rep.to_text().c_str(), stdout);
    }
  } catch (const lvsim::UserError& e) {
    std::fprintf(stderr, "lvsim: error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lvsim: internal error: %s\n", e.what());
    return 1;
  }
  return 0;
}
