// One `lvsim run`: load the network and data set -> calibrate if needed -> build the hardware
// (weight SRAM, faults, array) -> run every image in the chosen mode -> report accuracy, cycles,
// faults and energy together.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "energy/action_counts.h"
#include "workloads/calibration.h"
#include "workloads/network.h"

namespace lvsim {

/// How the images are executed: the golden reference engine, the fast path (integer GEMMs,
/// closed-form timing) or the cycle-level SystemC model.
enum class RunMode { Golden, Fast, Cycle };
const char* run_mode_name(RunMode m);

/// Everything one run needs, validated by the CLI layer (ranges) and by the loaders (files).
struct RunOptions {
  std::string network_path;
  std::string data_dir;
  int64_t images = -1;  // test images to evaluate (-1: all)
  int threads = 0;      // 0: all hardware threads
  RunMode mode = RunMode::Fast;
  int64_t calib_images = 512;
  CalibrationMethod calib_method = CalibrationMethod::MinMax;
};

/// Per-layer line of the report.
struct LayerReport {
  std::string name;
  std::string type;
  Shape input_shape, output_shape;
  int64_t macs = 0;         // per image
  int64_t weights = 0;
  int weight_bits = 0;      // 0 for layers without weights
};

/// The result of one run; to_json() is the documented `--json` object (docs/report.md).
struct RunReport {
  std::string network_name, network_file, data_dir;
  RunMode mode = RunMode::Fast;
  int threads = 1;
  int64_t images = 0;
  int64_t correct = 0;
  double accuracy = 0;              // fraction 0..1
  double wall_time_s = 0;           // inference only (not loading)
  double images_per_second = 0;
  std::vector<int> predictions;     // one per evaluated image, in order
  std::vector<int> labels;
  std::vector<LayerReport> layers;
  int64_t macs_per_image = 0;
  bool calibrated = false;

  nlohmann::json to_json() const;
  std::string to_text() const;
};

/// Runs it. Throws UserError subclasses (ConfigError, FormatError) for bad input.
RunReport run(const RunOptions& options);

}  // namespace lvsim
